package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The fast path shares the service's pool: it must hold a connection only for a claim and one round
 * trip to Kafka's acks, never while its producer waits for a topic's metadata (a missing topic on
 * brokers that do not create topics, no rights, Kafka unreachable) — with a pool of one, every
 * business call waits behind it.
 */
class FastPathPoolIntegrationTests {
  private static final int CALLERS = 6;
  private static final int CALLS_EACH = 10;
  // The producer may wait this long for a topic's metadata; a business call this long for a
  // connection: a fast path that waits for metadata on the pool's only connection fails calls.
  private static final String MAX_BLOCK_MS = "5000";
  private static final long CONNECTION_TIMEOUT_MS = 2_000;

  private HikariDataSource pool;
  private OutboxFixture fixture;

  @AfterEach
  void stop() {
    TestServers.kafka().resume();
    if (fixture != null) {
      fixture.close();
    }
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void messagesToAMissingTopicNeitherStarveAPoolOfOneNorGetLost() throws Exception {
    fixture =
        new OutboxFixture(
            OutboxFixture.withFastPath().kafkaProperties(Map.of("max.block.ms", MAX_BLOCK_MS)),
            this::poolOfOne);
    Outbox outbox = fixture.bean(Outbox.class);
    TransactionTemplate tx =
        new TransactionTemplate(fixture.bean(PlatformTransactionManager.class));
    JdbcTemplate business = fixture.bean(JdbcTemplate.class);
    String missing = "outbox-api-missing-" + UUID.randomUUID(); // the test broker creates none

    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    List<Future<?>> calls = new ArrayList<>();
    for (int c = 0; c < CALLERS; c++) {
      int caller = c;
      calls.add(
          callers.submit(
              () -> {
                for (int i = 0; i < CALLS_EACH; i++) {
                  int user = caller * CALLS_EACH + i;
                  String topic = user % 5 == 0 ? missing : fixture.topic;
                  try {
                    tx.executeWithoutResult(
                        status -> {
                          business.update(
                              "INSERT INTO t_user (id, name) VALUES (?, ?)", user, "u" + user);
                          outbox.send(
                              OutboxMessage.builder(topic)
                                  .key("user-" + user)
                                  .payload("created " + user)
                                  .reference(1, "user-" + user)
                                  .build());
                        });
                  } catch (RuntimeException e) {
                    failures.add(e);
                  }
                }
              }));
    }
    callers.shutdown();
    assertThat(callers.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
    for (Future<?> call : calls) {
      call.get();
    }

    assertThat(failures).isEmpty();
    int total = CALLERS * CALLS_EACH;
    int toMissing = total / 5;
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isEqualTo(total);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                fixture.count(
                        "SELECT COUNT(*) FROM t_msg WHERE topic = ? AND status = ?",
                        fixture.topic,
                        MessageStatus.SENT.code())
                    == total - toMissing);
    // left to the relay as they were written: no attempt counted, no error recorded
    assertThat(
            fixture.count(
                "SELECT COUNT(*) FROM t_msg WHERE topic = ? AND status = ? AND attempts = 0"
                    + " AND last_error IS NULL",
                missing,
                MessageStatus.PENDING.code()))
        .isEqualTo(toMissing);
  }

  @Test
  void aStalledKafkaHoldsAPoolOfOneForOneRoundNotRoundAfterRound() {
    fixture =
        new OutboxFixture(
            OutboxFixture.withFastPath()
                .fastPathThreads(1)
                .fastPathAckTimeout(Duration.ofSeconds(1)),
            this::poolOfOne);
    Outbox outbox = fixture.bean(Outbox.class);
    TransactionTemplate tx =
        new TransactionTemplate(fixture.bean(PlatformTransactionManager.class));
    long warm = tx.execute(status -> outbox.send(message("warm-up")));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> fixture.status(warm) == MessageStatus.SENT.code());

    TestServers.kafka().pause(); // takes the records, answers nothing
    int slow = 0;
    List<Long> ids = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        String refId = "stalled-" + i;
        long started = System.nanoTime();
        ids.add(tx.execute(status -> outbox.send(message(refId))));
        if (Duration.ofNanos(System.nanoTime() - started).toMillis() > 500) {
          slow++;
        }
      }
    } finally {
      TestServers.kafka().resume();
    }

    // Each round waits 1 s for acks on the pool's only connection: one round may delay a call
    // or two, but not one round per call.
    assertThat(slow).isLessThanOrEqualTo(2);
    for (long id : ids) { // nothing lost: published late by the fast path, or the relay's
      assertThat(fixture.status(id)).isIn(MessageStatus.PENDING.code(), MessageStatus.SENT.code());
    }
  }

  private OutboxMessage message(String refId) {
    return OutboxMessage.builder(fixture.topic)
        .key(refId)
        .payload(refId)
        .reference(1, refId)
        .build();
  }

  /** The business pool: one connection, a short wait for it, on the test database. */
  private DataSource poolOfOne(DataSource testPool) {
    HikariDataSource database = (HikariDataSource) testPool;
    HikariConfig config = new HikariConfig();
    config.setPoolName("business-pool-of-one");
    config.setJdbcUrl(database.getJdbcUrl());
    config.setUsername(database.getUsername());
    config.setPassword(database.getPassword());
    config.setMaximumPoolSize(1);
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    pool = new HikariDataSource(config);
    return pool;
  }
}
