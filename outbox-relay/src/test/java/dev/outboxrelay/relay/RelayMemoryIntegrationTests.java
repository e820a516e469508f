package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Memory bounded by bytes, and a worker that stops making progress fails liveness (docs/relay.md,
 * "Memory"; docs/design.md, "Guarantees", 9). The packaged relay's heap test is {@code RelayJarIT}.
 */
class RelayMemoryIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(60);
  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  @Test
  void aRoundClaimsWithinItsByteBudgetAndAMessageLargerThanTheBudgetGoesAlone() {
    RelayFixture.Writer writer = fixture.writer(false);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String payload = i + "-" + "x".repeat(30_000);
      writer.send("k" + (i % 3), payload);
      sent.add(payload);
    }
    String large = "large-" + "y".repeat(100_000);
    writer.send("k0", large);
    sent.add(large);
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(p -> p.batchBytes(64 * 1024).workers(1));

      List<Received> received = reader.awaitCount(11, DELIVERY);
      assertThat(received).extracting(Received::value).containsExactlyInAnyOrderElementsOf(sent);
      // 64 KiB holds two messages of 30 KB, never more; the 100 KB one went alone
      assertThat(fixture.meters.get(MicrometerPublishListener.BATCH_SIZE).summary().max())
          .isEqualTo(2.0);
      // the SENT marks commit right after Kafka's acks
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 11);
    }
  }

  /**
   * The field report's stall: an OutOfMemoryError in the claim query left the worker's connection
   * in an unknown state. A worker stopped by an Error is reported as stalled (liveness fails), with
   * the reason, and counted, so that the process is restarted.
   */
  @Test
  void aWorkerStoppedByAnErrorIsReportedStalledWithTheReason() {
    AtomicBoolean thrown = new AtomicBoolean();
    OutboxRelay relay =
        fixture.startRelay(
            StatementFaults.wrap(
                fixture.database.dataSource(),
                (sql, parameters) -> {
                  if (sql.contains("msg_bytes FROM t_msg") && thrown.compareAndSet(false, true)) {
                    throw new OutOfMemoryError("Java heap space (injected)");
                  }
                }),
            p -> p.workers(2));
    RelayFixture.Writer writer = fixture.writer(false);
    for (int i = 0; i < 20; i++) {
      writer.send("k" + i, "m" + i);
    }

    await()
        .atMost(DELIVERY)
        .untilAsserted(
            () ->
                assertThat(relay.stalledWorkers())
                    .singleElement()
                    .asString()
                    .matches(
                        "worker [01] stopped by java.lang.OutOfMemoryError: Java heap space.*"));
    assertThat(fixture.meters.get(RelayMetrics.STALLED_WORKERS).gauge().value()).isEqualTo(1.0);
  }

  /** A worker held in one round longer than the stall timeout is stalled until it moves again. */
  @Test
  void aWorkerHeldInOneRoundIsStalledUntilItMovesAgain() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    OutboxRelay relay =
        fixture.startRelay(
            StatementFaults.wrap(
                fixture.database.dataSource(),
                (sql, parameters) -> {
                  if (sql.contains("msg_bytes FROM t_msg")) {
                    try {
                      release.await(); // as a database that stopped answering
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                }),
            p ->
                p.workers(1)
                    .sendTimeout(Duration.ofSeconds(1))
                    .maxBlock(Duration.ofMillis(500))
                    .stallTimeout(Duration.ofSeconds(3)));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(relay.stalledWorkers())
                    .singleElement()
                    .asString()
                    .startsWith("worker 0 has been in one round for"));
    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> relay.stalledWorkers().isEmpty());
  }
}
