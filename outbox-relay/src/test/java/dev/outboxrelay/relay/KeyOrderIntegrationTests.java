package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.dao.CannotAcquireLockException;

/**
 * Per-key order is commit order (docs/design.md, "Guarantees", 4), also when two transactions of
 * one key overlap: {@code send} locks the key until the transaction ends, so the second writer
 * waits, gets the larger id, and is published after the first.
 */
class KeyOrderIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(60);
  @RegisterExtension final RelayFixture fixture = new RelayFixture(2);

  /**
   * The field report: A sends for c1 and stays open, B sends for c1 and commits, A commits 3 s
   * later. The topic must have A before B: A committed its send of c1 first.
   */
  @ParameterizedTest(name = "fast path {0}")
  @ValueSource(booleans = {false, true})
  void aTransactionThatSentAKeyFirstIsPublishedFirstWhenAnotherOverlapsIt(boolean fastPath)
      throws Exception {
    fixture.startRelay(p -> {});
    RelayFixture.Writer writer = fixture.writer(fastPath);
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      CountDownLatch aSent = new CountDownLatch(1);
      CountDownLatch aMayCommit = new CountDownLatch(1);
      CompletableFuture<Long> a =
          CompletableFuture.supplyAsync(
              () ->
                  writer
                      .transaction()
                      .execute(
                          status -> {
                            long id = send(writer, "c1", "A");
                            aSent.countDown();
                            RelayFixture.awaitLatch(aMayCommit, Duration.ofSeconds(30));
                            return id;
                          }));
      assertThat(aSent.await(30, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Long> b =
          CompletableFuture.supplyAsync(
              () -> writer.transaction().execute(status -> send(writer, "c1", "B")));

      // B waits for A's transaction (InnoDB shows it in LOCK WAIT), for 3 s
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  fixture.count(
                          "SELECT COUNT(*) FROM information_schema.innodb_trx"
                              + " WHERE trx_state = 'LOCK WAIT'")
                      == 1);
      // the field report's 3 s, while the relay polls: B stays blocked, nothing is published
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !b.isDone());
      assertThat(fixture.count("SELECT COUNT(*) FROM t_msg")).as("nothing committed yet").isZero();
      aMayCommit.countDown();
      long aId = a.get(30, TimeUnit.SECONDS);
      long bId = b.get(30, TimeUnit.SECONDS);

      assertThat(bId).as("B's id, taken after A committed").isGreaterThan(aId);
      List<Received> received = reader.awaitCount(2, DELIVERY);
      assertThat(received).extracting(Received::value).containsExactly("A", "B");
    }
  }

  /**
   * Another input of the kind: six writers send the same three keys, each transaction holding on
   * for a while after its send, and the relay polls seldom, so that many commits pile up between
   * its rounds. Commit order is witnessed in the database: the last statement of each transaction
   * takes the key's next number from a counter row, whose lock orders the numbers as the commits.
   * Each key's messages reach the topic in that order.
   */
  @Test
  void manyOverlappingWritersOfTheSameKeysArePublishedInCommitOrder() throws Exception {
    fixture.jdbc.execute("CREATE TABLE commit_seq (k VARCHAR(64) PRIMARY KEY, n INT NOT NULL)");
    fixture.jdbc.update(
        "INSERT INTO commit_seq VALUES ('shared-0', 0), ('shared-1', 0), ('shared-2', 0)");
    fixture.startRelay(p -> p.pollInterval(Duration.ofMillis(300)));
    RelayFixture.Writer writer = fixture.writer(false);
    Map<String, Integer> commitNumber = new ConcurrentHashMap<>();
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      List<CompletableFuture<Void>> writers = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        int writerId = w;
        writers.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < 15; i++) {
                    String key = "shared-" + (i % 3);
                    String value = "w" + writerId + "-" + i;
                    long pause = (writerId * 7 + i * 3) % 20;
                    int n =
                        writer
                            .transaction()
                            .execute(
                                status -> {
                                  send(writer, key, value);
                                  sleepMillis(pause);
                                  fixture.jdbc.update(
                                      "UPDATE commit_seq SET n = LAST_INSERT_ID(n + 1) WHERE k = ?",
                                      key);
                                  return fixture.count("SELECT LAST_INSERT_ID()");
                                });
                    commitNumber.put(value, n);
                  }
                }));
      }
      CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

      List<Received> received = reader.awaitCount(90, DELIVERY);
      for (String key : List.of("shared-0", "shared-1", "shared-2")) {
        List<String> published =
            received.stream().filter(r -> key.equals(r.key())).map(Received::value).toList();
        assertThat(published)
            .as("key %s in commit order", key)
            .hasSize(30)
            .isSortedAccordingTo(Comparator.comparing(commitNumber::get));
      }
    }
  }

  /**
   * Two transactions that send two keys in opposite orders wait for each other: InnoDB picks one as
   * the deadlock victim, whose caller gets a CannotAcquireLockException and whose transaction
   * commits nothing; the other commits both messages.
   */
  @Test
  void keysSentInOppositeOrdersDeadlockOneTransactionWhichCommitsNothing() throws Exception {
    RelayFixture.Writer writer = fixture.writer(false);
    CountDownLatch bothSentFirst = new CountDownLatch(2);
    CompletableFuture<Long> one =
        CompletableFuture.supplyAsync(() -> crossed(writer, "x", "y", "one", bothSentFirst));
    CompletableFuture<Long> two =
        CompletableFuture.supplyAsync(() -> crossed(writer, "y", "x", "two", bothSentFirst));
    int failed = 0;
    for (CompletableFuture<Long> transaction : List.of(one, two)) {
      try {
        transaction.get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(CannotAcquireLockException.class);
        failed++;
      }
    }
    assertThat(failed).isEqualTo(1);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg")).isEqualTo(2);
    assertThat(fixture.count("SELECT COUNT(DISTINCT SUBSTRING_INDEX(ref_id, '-', 1)) FROM t_msg"))
        .as("both rows from the same transaction")
        .isEqualTo(1);
  }

  /**
   * A REQUIRES_NEW transaction that sends a key its own outer transaction holds would wait for
   * itself until the lock wait timeout: send refuses it at once, writing nothing; the outer
   * transaction goes on and commits.
   */
  @Test
  void aKeyHeldByAnOuterTransactionOfTheSameThreadIsRefusedAtOnce() {
    RelayFixture.Writer writer = fixture.writer(false);
    org.springframework.transaction.support.TransactionTemplate inner =
        new org.springframework.transaction.support.TransactionTemplate(
            writer.transaction().getTransactionManager());
    inner.setPropagationBehavior(
        org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    long started = System.nanoTime();
    writer
        .transaction()
        .executeWithoutResult(
            outer -> {
              send(writer, "u-42", "outer");
              org.assertj.core.api.Assertions.assertThatThrownBy(
                      () -> inner.executeWithoutResult(status -> send(writer, "u-42", "inner")))
                  .isInstanceOf(IllegalStateException.class)
                  .hasMessageContaining("'u-42' is locked by a suspended transaction");
              // another key is fine in the inner transaction
              inner.executeWithoutResult(status -> send(writer, "u-43", "inner other key"));
            });
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(
            fixture.jdbc.queryForList(
                "SELECT CONVERT(payload USING utf8mb4) FROM t_msg ORDER BY id", String.class))
        .containsExactly("outer", "inner other key");
  }

  private static long crossed(
      RelayFixture.Writer writer,
      String first,
      String second,
      String name,
      CountDownLatch bothSentFirst) {
    return writer
        .transaction()
        .execute(
            status -> {
              send(writer, first, name, name + "-1");
              bothSentFirst.countDown();
              RelayFixture.awaitLatch(bothSentFirst, Duration.ofSeconds(30));
              return send(writer, second, name, name + "-2");
            });
  }

  private static long send(RelayFixture.Writer writer, String key, String payload) {
    return send(writer, key, payload, UUID.randomUUID().toString());
  }

  private static long send(RelayFixture.Writer writer, String key, String payload, String refId) {
    return writer
        .outbox()
        .send(
            OutboxMessage.builder(writer.topic())
                .key(key)
                .payload(payload)
                .reference(1, refId)
                .build());
  }

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
