package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.internal.DatabaseChecks;
import dev.outboxrelay.internal.RelayMembers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lane leases of two instances on the real database, driven round by round (no lease keeper, no
 * workers): a lane given up while a batch runs on it.
 */
class LaneLeasesIntegrationTests {
  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void aLaneGivenUpWhileItsBatchRunsIsNotWorkedAndItsLeaseIsReleasedWhenTheBatchEnds()
      throws Exception {
    LaneLeases a = leases("relay-a");
    a.rebalance();
    assertThat(a.owned()).hasSize(16);
    int busyLane = 15; // the highest lanes are given up first
    CountDownLatch batchRuns = new CountDownLatch(1);
    CountDownLatch batchMayEnd = new CountDownLatch(1);
    Future<Object> batch =
        threads.submit(
            () ->
                a.whileHeld(
                    List.of(busyLane),
                    lanes -> {
                      batchRuns.countDown();
                      RelayFixture.awaitLatch(batchMayEnd, Duration.ofMinutes(1));
                      return lanes;
                    }));
    assertThat(batchRuns.await(10, TimeUnit.SECONDS)).isTrue();

    LaneLeases b = leases("relay-b");
    b.rebalance(); // joins: two members, B takes the lanes no one holds (none yet)
    // A's round gives up half its lanes without waiting for the batch on lane 15 (it used to
    // wait, renewing no lease meanwhile)
    CompletableFuture.runAsync(a::rebalance, threads).get(30, TimeUnit.SECONDS);
    assertThat(batch).isNotDone();
    assertThat(a.owned()).hasSize(8).doesNotContain(busyLane);
    List<Integer> worked = a.whileHeld(List.of(busyLane), lanes -> lanes);
    assertThat(worked).as("no new batch on a lane given up").isNull();
    b.rebalance();
    assertThat(b.owned())
        .as("the lanes A released, but not the one whose batch still runs")
        .hasSize(7)
        .doesNotContain(busyLane);
    // for longer than a lease, rounds paced as the keeper paces them: A extends the lease it keeps
    Duration round = fixture.settings(p -> {}).leaseDuration().dividedBy(3);
    for (int i = 0; i < 5; i++) {
      TimeUnit.MILLISECONDS.sleep(round.toMillis()); // the keeper's pace, not a wait for an outcome
      a.rebalance();
      b.rebalance();
      assertThat(b.owned()).doesNotContain(busyLane);
    }

    batchMayEnd.countDown();
    assertThat(batch.get(10, TimeUnit.SECONDS)).isEqualTo(List.of(busyLane));
    a.rebalance(); // releases the lease of the lane whose batch ended
    b.rebalance();
    assertThat(b.owned()).hasSize(8).contains(busyLane);
    assertThat(a.owned()).hasSize(8).doesNotContainAnyElementsOf(b.owned());
  }

  private LaneLeases leases(String instanceId) {
    RelaySettings settings = fixture.settings(p -> p.instanceId(instanceId));
    DataSource dataSource = fixture.database.newPool(instanceId, 2);
    return new LaneLeases(
        OutboxRelay.leaseLocks(dataSource, instanceId),
        new RelayMembers(dataSource),
        new ClockStep(dataSource, settings, new SimpleMeterRegistry()),
        DatabaseChecks.ofOutboxTables(dataSource),
        settings);
  }
}
