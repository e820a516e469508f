package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.internal.RoundClaims;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The fast path on the real servers: Kafka down and the per-key ordering guard (docs/design.md,
 * "Guarantees", 7 and 4).
 */
class FastPathIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);

  private OutboxFixture fixture;
  private Outbox outbox;
  private TransactionTemplate tx;

  @BeforeEach
  void start() {
    fixture =
        new OutboxFixture(OutboxFixture.withFastPath().fastPathAckTimeout(Duration.ofSeconds(3)));
    outbox = fixture.bean(Outbox.class);
    tx = new TransactionTemplate(fixture.bean(PlatformTransactionManager.class));
  }

  @AfterEach
  void stop() {
    TestServers.kafka().resume();
    if (!TestServers.kafka().isRunning()) {
      TestServers.kafka().start();
    }
    fixture.close();
  }

  private OutboxMessage message(String key, String refId) {
    return OutboxMessage.builder(fixture.topic).key(key).payload(refId).reference(1, refId).build();
  }

  @Test
  void fastPathPublishesAreCountedWithTheirPath() {
    for (int i = 0; i < 5; i++) {
      String ref = "counted-" + i;
      tx.execute(status -> outbox.send(message("k" + ref, ref)));
    }

    await()
        .atMost(DELIVERY)
        .until(
            () ->
                fixture
                        .meters
                        .get(MicrometerPublishListener.PUBLISHED)
                        .tag("path", "fast-path")
                        .tag("topic", fixture.topic)
                        .counter()
                        .count()
                    == 5.0);
    assertThat(
            fixture
                .meters
                .get(MicrometerPublishListener.PUBLISH_LATENCY)
                .tag("path", "fast-path")
                .timer()
                .count())
        .isEqualTo(5);
    assertThat(
            fixture
                .meters
                .get(MicrometerPublishListener.BATCH_SIZE)
                .tag("path", "fast-path")
                .summary()
                .totalAmount())
        .isEqualTo(5.0);
    assertThat(
            fixture.meters.find(MicrometerPublishListener.PUBLISHED).tag("path", "relay").meters())
        .isEmpty();
  }

  @Test
  void kafkaDownNeitherFailsNorDelaysTheBusinessCommitAndTheRowStaysPending() {
    TestServers.kafka().stop();

    long started = System.nanoTime();
    Long id = tx.execute(status -> outbox.send(message("k", "down-1")));
    Duration commit = Duration.ofNanos(System.nanoTime() - started);

    // The producer may block up to max.block.ms (2 s) and wait for acks up to 3 s, on the fast
    // path's thread: the business call must not have waited for either.
    assertThat(commit).isLessThan(Duration.ofSeconds(1));
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE id = ?", id)).isEqualTo(1);
    await()
        .during(Duration.ofSeconds(6))
        .atMost(Duration.ofSeconds(10))
        .until(() -> fixture.status(id) == MessageStatus.PENDING.code());
    assertThat(outbox.deliveryStatus(id)).contains(DeliveryStatus.PENDING);
  }

  @Test
  void withTheFastPathOnTheRelayLeavesNewRowsToItForTheRelayDelay() {
    long id = tx.execute(status -> outbox.send(message("k", "delay-1")));

    // the relay claims only rows whose next_attempt_at has passed
    assertThat(
            fixture.count(
                "SELECT TIMESTAMPDIFF(MICROSECOND, created_at, next_attempt_at) FROM t_msg"
                    + " WHERE id = ?",
                id))
        .isEqualTo(1_000_000);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> fixture.status(id) == MessageStatus.SENT.code());
  }

  @Test
  void olderPendingRowOfTheSameKeyHoldsBackTheNewerOneButNotOtherKeys() throws Exception {
    long older = outbox.send(message("customer-1", "older"));
    await().atMost(DELIVERY).until(() -> fixture.status(older) == MessageStatus.SENT.code());
    // An older PENDING row of customer-1, locked by another publisher (think: a relay worker in
    // the middle of its batch): the fast path must not overtake it.
    fixture.jdbc.update(
        "UPDATE t_msg SET status = 0, sent_at = NULL, next_attempt_at = UTC_TIMESTAMP(3)"
            + " WHERE id = ?",
        older);
    PlatformTransactionManager txManager = fixture.bean(PlatformTransactionManager.class);
    DefaultTransactionDefinition otherPublisher = new DefaultTransactionDefinition();
    otherPublisher.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    otherPublisher.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
    TransactionStatus lock = txManager.getTransaction(otherPublisher);
    try (TopicReader reader = fixture.reader()) {
      assertThat(new RoundClaims(fixture.database.dataSource()).claimIds(List.of(older)))
          .hasSize(1);
      // One transaction, so the fast path claims both in one batch: once the other key is SENT,
      // the guard has decided about the newer customer-1 row too.
      List<Long> newer =
          runOnOtherThread(
              () ->
                  tx.execute(
                      status ->
                          List.of(
                              outbox.send(message("customer-1", "newer")),
                              outbox.send(message("customer-2", "other-key")))));

      List<Received> received = reader.awaitRefId("other-key", DELIVERY);
      assertThat(received).extracting(Received::refId).doesNotContain("newer");
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.status(newer.get(1)) == MessageStatus.SENT.code());
      assertThat(fixture.status(newer.get(0))).isEqualTo(MessageStatus.PENDING.code());
    } finally {
      txManager.rollback(lock);
    }
  }

  @Test
  void aKeysMessagesAfterItsFirstToANewTopicGoOutByTheFastPathToo() {
    long warm = tx.execute(status -> outbox.send(message("warm-up", "warm-up")));
    await().atMost(DELIVERY).until(() -> fixture.status(warm) == MessageStatus.SENT.code());
    String newTopic = "outbox-api-new-" + java.util.UUID.randomUUID();
    TestServers.kafka().createTopic(newTopic, 1);

    // The new topic's metadata is fetched between rounds; the guard holds the key's second
    // message back behind the first meanwhile: both must go out by the fast path (no relay here).
    List<Long> ids =
        tx.execute(
            status ->
                List.of(
                    outbox.send(
                        OutboxMessage.builder(newTopic)
                            .key("customer-9")
                            .payload("first")
                            .reference(1, "first")
                            .build()),
                    outbox.send(message("customer-9", "second"))));

    await()
        .atMost(DELIVERY)
        .until(
            () ->
                fixture.status(ids.get(0)) == MessageStatus.SENT.code()
                    && fixture.status(ids.get(1)) == MessageStatus.SENT.code());
  }

  @Test
  void anAcknowledgementAfterTheAckTimeoutIsRecordedAndTheRowHeldUntilThen() {
    try (TopicReader reader = fixture.reader()) {
      long warm = tx.execute(status -> outbox.send(message("warm-up", "warm-up")));
      await().atMost(DELIVERY).until(() -> fixture.status(warm) == MessageStatus.SENT.code());

      TestServers.kafka().pause();
      long late = tx.execute(status -> outbox.send(message("k", "late")));
      // the fast path stops waiting after 3 s, its producer goes on trying (delivery timeout 5 s)
      await()
          .during(Duration.ofMillis(3_500))
          .atMost(Duration.ofSeconds(6))
          .until(() -> fixture.status(late) == MessageStatus.PENDING.code());
      // not due for the relay while that producer may still deliver it: its delivery timeout
      // (5 s) and request timeout (5 s) after the send, which came after the row was written
      assertThat(
              fixture.count(
                  "SELECT COUNT(*) FROM t_msg WHERE id = ?"
                      + " AND next_attempt_at >= DATE_ADD(created_at, INTERVAL 10 SECOND)",
                  late))
          .isEqualTo(1);
      TestServers.kafka().resume();

      await().atMost(DELIVERY).until(() -> fixture.status(late) == MessageStatus.SENT.code());
      assertThat(reader.awaitEnd(DELIVERY))
          .extracting(Received::refId)
          .containsExactly("warm-up", "late");
    }
  }

  /** Sends from a thread without the test's open transaction bound to it. */
  private static <T> T runOnOtherThread(java.util.concurrent.Callable<T> task) throws Exception {
    java.util.concurrent.ExecutorService executor =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      return executor.submit(task).get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      executor.shutdown();
    }
  }
}
