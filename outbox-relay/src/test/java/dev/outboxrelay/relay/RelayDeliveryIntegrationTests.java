package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.Lanes;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * At least once (docs/design.md, "Guarantees", 2) and bounded duplicates (5) on the real servers: a
 * backlog, a broker outage in the middle of a stream, and a relay that dies between Kafka's ack and
 * its commit.
 */
class RelayDeliveryIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(60);

  @RegisterExtension final RelayFixture fixture = new RelayFixture(3);

  /** Every row's global message id, what the records carry as {@code outbox-id}. */
  private Set<String> allIds() {
    return new HashSet<>(fixture.jdbc.queryForList("SELECT msg_id FROM t_msg", String.class));
  }

  @Test
  void backlogIsDeliveredMarkedSentAndCounted() {
    RelayFixture.Writer writer = fixture.writer(false);
    for (int i = 0; i < 1000; i++) {
      writer.send("key-" + (i % 37), "m" + i);
    }
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(p -> {});

      List<Received> received = reader.awaitCount(1000, DELIVERY);

      assertThat(received.stream().map(Received::outboxId).collect(Collectors.toSet()))
          .isEqualTo(allIds());
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 1000);
      assertThat(
              fixture
                  .meters
                  .get(MicrometerPublishListener.PUBLISHED)
                  .tag("topic", fixture.topic)
                  .counter()
                  .count())
          .isEqualTo(1000.0);
    }
  }

  @Test
  void onAckDeleteRemovesEveryDeliveredRow() {
    RelayFixture.Writer writer = fixture.writer(false);
    for (int i = 0; i < 500; i++) {
      writer.send("key-" + (i % 17), "m" + i);
    }
    Set<String> written = allIds();
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(p -> p.onAck(RelaySettings.OnAck.DELETE));

      List<Received> received = reader.awaitCount(500, DELIVERY);

      await().atMost(DELIVERY).until(() -> fixture.count("SELECT COUNT(*) FROM t_msg") == 0);
      assertThat(received).extracting(Received::outboxId).doesNotHaveDuplicates();
      assertThat(received.stream().map(Received::outboxId).collect(Collectors.toSet()))
          .isEqualTo(written);
    }
  }

  @Test
  void onAckDeleteOfFullBatchesByTwoWorkersDeadlocksNothing() {
    RelayFixture.Writer writer = fixture.writer(false);
    int count = 8_000; // four full batches of 2,000: each deleted in statements of under 1,000 ids
    writer
        .transaction()
        .executeWithoutResult(
            status -> {
              for (int i = 0; i < count; i++) {
                writer.outbox().send(writer.message("key-" + (i % 101), "m" + i));
              }
            });
    Set<String> written = allIds();
    long deadlocksBefore = deadlocks();
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(p -> p.onAck(RelaySettings.OnAck.DELETE).workers(2).batchSize(2_000));

      List<Received> received =
          reader.awaitUntil(
              all -> all.stream().map(Received::outboxId).distinct().count() >= count, DELIVERY);

      await().atMost(DELIVERY).until(() -> fixture.count("SELECT COUNT(*) FROM t_msg") == 0);
      assertThat(received.stream().map(Received::outboxId).collect(Collectors.toSet()))
          .isEqualTo(written);
      assertThat(deadlocks() - deadlocksBefore).as("InnoDB deadlocks").isZero();
    }
  }

  private long deadlocks() {
    return Long.parseLong(
        String.valueOf(
            fixture
                .jdbc
                .queryForMap("SHOW GLOBAL STATUS WHERE Variable_name = 'Innodb_deadlocks'")
                .get("Value")));
  }

  /**
   * A transaction that takes its id first and commits last: the relay has published rows with
   * higher ids by then, and must still publish it. A relay that remembers how far it got (a
   * high-water mark per lane, as Kafka Connect's JDBC source and Marten's async daemon did) loses
   * exactly this row.
   */
  @ParameterizedTest
  @EnumSource(RelaySettings.OnAck.class)
  void aRowCommittedAfterRowsWithHigherIdsWerePublishedIsPublished(RelaySettings.OnAck onAck)
      throws Exception {
    RelayFixture.Writer writer = fixture.writer(false);
    RelaySettings settings = fixture.settings(p -> p.onAck(onAck));
    fixture.startRelay(p -> p.onAck(onAck));
    // keys of the late row's lane: that lane moves on past its id
    int lane = Lanes.laneOf("late", settings.lanes());
    List<String> sameLane =
        IntStream.range(0, 10_000)
            .mapToObj(i -> "other-" + i)
            .filter(key -> Lanes.laneOf(key, settings.lanes()) == lane)
            .limit(20)
            .toList();
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      CountDownLatch inserted = new CountDownLatch(1);
      CountDownLatch mayCommit = new CountDownLatch(1);
      ExecutorService lateWriter = Executors.newSingleThreadExecutor();
      Future<Long> late =
          lateWriter.submit(
              () ->
                  writer
                      .transaction()
                      .execute(
                          status -> {
                            long id = writer.outbox().send(writer.message("late", "first id"));
                            inserted.countDown();
                            RelayFixture.awaitLatch(mayCommit, DELIVERY);
                            return id;
                          }));
      assertThat(inserted.await(30, TimeUnit.SECONDS)).isTrue();
      List<Long> laterIds = new ArrayList<>();
      for (String key : sameLane) {
        laterIds.add(writer.send(key, "a later id"));
      }
      reader.awaitCount(20, DELIVERY); // published past the open transaction's id

      mayCommit.countDown();
      long lateId = late.get(30, TimeUnit.SECONDS);
      lateWriter.shutdown();

      assertThat(laterIds).allSatisfy(id -> assertThat(id).isGreaterThan(lateId));
      List<Received> received =
          reader.awaitUntil(all -> all.stream().anyMatch(r -> "late".equals(r.key())), DELIVERY);
      assertThat(received).extracting(Received::key).contains("late").containsAll(sameLane);
    }
  }

  @Test
  void brokerOutageMidStreamLosesNothingAndMarksNothingSentWithoutAnAck() throws Exception {
    RelayFixture.Writer writer = fixture.writer(false);
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(p -> {});
      for (int i = 0; i < 300; i++) {
        writer.send("key-" + (i % 11), "before-" + i);
      }
      reader.awaitCount(300, DELIVERY);

      TestServers.kafka().stop();
      for (int i = 0; i < 300; i++) {
        writer.send("key-" + (i % 11), "during-" + i); // the business keeps committing
      }
      int sentDuringOutage = fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1");
      await()
          .during(Duration.ofSeconds(4))
          .atMost(Duration.ofSeconds(6))
          .until(
              () ->
                  fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == sentDuringOutage);
      // an outage is not the messages' fault: no attempt is counted against them
      assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 3")).isZero();
      TestServers.kafka().start();
      for (int i = 0; i < 300; i++) {
        writer.send("key-" + (i % 11), "after-" + i);
      }

      List<Received> received =
          reader.awaitUntil(
              all -> all.stream().map(Received::outboxId).collect(Collectors.toSet()).size() >= 900,
              DELIVERY);
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 900);
      Set<String> delivered = received.stream().map(Received::outboxId).collect(Collectors.toSet());
      assertThat(delivered).isEqualTo(allIds());
      // every row marked SENT was acknowledged, i.e. is in the topic
      assertThat(delivered)
          .containsAll(
              fixture.jdbc.queryForList("SELECT msg_id FROM t_msg WHERE status = 1", String.class));
    }
  }

  @Test
  void roundRolledBackByADeadlockAfterTheAcksIsRecordedAgainNotPublishedAgain() {
    RelayFixture.Writer writer = fixture.writer(false);
    for (int i = 0; i < 300; i++) {
      writer.send("key-" + (i % 7), "m" + i);
    }
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      java.util.concurrent.atomic.AtomicBoolean deadlocked =
          new java.util.concurrent.atomic.AtomicBoolean();
      // InnoDB picks the round as a deadlock victim when it marks its acknowledged rows SENT
      fixture.startRelay(
          StatementFaults.wrap(
              fixture.database.dataSource(),
              (sql, parameters) -> {
                if (StatementFaults.marksSent(sql) && deadlocked.compareAndSet(false, true)) {
                  throw StatementFaults.deadlock();
                }
              }),
          p -> p.workers(1));

      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 300);
      List<Received> received = reader.awaitCount(300, DELIVERY);

      assertThat(deadlocked).isTrue();
      assertThat(received).extracting(Received::outboxId).doesNotHaveDuplicates();
      assertThat(received.stream().map(Received::outboxId).collect(Collectors.toSet()))
          .isEqualTo(allIds());
    }
  }

  @Test
  void batchOfARelayThatDiesBeforeItsCommitIsDeliveredByAnother() throws Exception {
    RelayFixture.Writer writer = fixture.writer(false);
    for (int i = 0; i < 500; i++) {
      writer.send("key-" + (i % 13), "m" + i);
    }
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      CountDownLatch acked = new CountDownLatch(1);
      // What each of the dying relay's workers claimed last: the rounds in flight when it died,
      // the only rows it may have published without recording it (acked or still in flight).
      Map<Thread, List<Long>> lastClaim = new java.util.concurrent.ConcurrentHashMap<>();
      // The dying relay freezes between Kafka's ack and the statement that would record it,
      // holding the row locks, until the process "dies".
      OutboxRelay dying =
          fixture.startRelay(
              StatementFaults.wrap(
                  fixture.database.dataSource(),
                  (sql, parameters) -> {
                    if (sql.contains("FOR UPDATE SKIP LOCKED")) {
                      lastClaim.put(
                          Thread.currentThread(),
                          parameters.stream().map(id -> ((Number) id).longValue()).toList());
                    }
                    if (!StatementFaults.marksSent(sql)) {
                      return;
                    }
                    acked.countDown();
                    try {
                      new CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                      throw new java.sql.SQLException("the relay died", e);
                    }
                  }),
              p -> p.instanceId("dying"));
      // Wait until a worker hangs with an acknowledged batch; then end its database sessions as a
      // dead process's would end (the server rolls back), and stop every thread of the relay
      // without releasing anything.
      await().atMost(DELIVERY).until(() -> acked.getCount() == 0);
      for (Long session :
          fixture.jdbc.queryForList(
              "SELECT trx_mysql_thread_id FROM information_schema.innodb_trx"
                  + " WHERE trx_mysql_thread_id <> CONNECTION_ID()",
              Long.class)) {
        fixture.jdbc.execute("KILL CONNECTION " + session);
      }
      dying.halt();
      Set<String> publishedByTheDead = new HashSet<>();
      lastClaim
          .values()
          .forEach(
              rowIds ->
                  rowIds.forEach(
                      rowId ->
                          publishedByTheDead.add(
                              fixture.jdbc.queryForObject(
                                  "SELECT msg_id FROM t_msg WHERE id = ?", String.class, rowId))));

      fixture.startRelay(p -> p.instanceId("survivor"));

      List<Received> received =
          reader.awaitUntil(
              all -> all.stream().map(Received::outboxId).collect(Collectors.toSet()).size() >= 500,
              DELIVERY);
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 500);
      assertThat(received.stream().map(Received::outboxId).collect(Collectors.toSet()))
          .isEqualTo(allIds());
      // duplicates only from the batch whose ack was never committed
      List<String> ids = received.stream().map(Received::outboxId).toList();
      Set<String> duplicated =
          ids.stream()
              .filter(id -> ids.indexOf(id) != ids.lastIndexOf(id))
              .collect(Collectors.toSet());
      assertThat(publishedByTheDead).isNotEmpty();
      assertThat(publishedByTheDead).containsAll(duplicated);
    }
  }
}
