package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.PreparedMessage;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Message-store mode's check-back against the business database, on the real MariaDB and Kafka: the
 * PREPARED messages that their service never decided (it died, or the message database was away
 * after the business transaction) are confirmed and published when {@code t_msg_order} records
 * them, cancelled when it does not after the transaction timeout, and left alone while their
 * transaction may still commit; one relay instance at a time; a PREPARED message holds back its
 * key's later messages until it is decided.
 */
class CheckBackIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);

  @RegisterExtension final RelayFixture fixture = new RelayFixture(3);

  private JdbcTemplate business() {
    return new JdbcTemplate(fixture.businessDatabase().dataSource());
  }

  private void recordCommitted(PreparedMessage message) {
    fixture.recordCommitted(message);
  }

  private void age(PreparedMessage message, Duration by) {
    fixture.age(message.messageId(), by);
  }

  private static void quickCheckBack(RelaySettings.Builder settings) {
    settings.checkBack(checkBack(Duration.ofSeconds(1)));
  }

  /** From the business database, every second, for messages older than {@code after}. */
  static RelaySettings.CheckBack checkBack(Duration after) {
    return new RelaySettings.CheckBack(
        RelaySettings.CheckBack.Source.DATABASE,
        null,
        after,
        Duration.ofSeconds(30),
        Duration.ofSeconds(1),
        200,
        Duration.ofSeconds(5),
        Duration.ofSeconds(4));
  }

  private double decisions(String outcome) {
    return fixture.meters.get(CheckBack.DECISIONS).tag("outcome", outcome).counter().count();
  }

  @Test
  void confirmsWhatCommittedCancelsWhatDidNotAfterTheTransactionTimeoutAndLeavesTheRest() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage committed = writer.messageStore().prepare(writer.message("k1", "committed"));
    PreparedMessage rolledBack = writer.messageStore().prepare(writer.message("k2", "rolled back"));
    PreparedMessage young = writer.messageStore().prepare(writer.message("k3", "still running"));
    recordCommitted(committed);
    age(committed, Duration.ofSeconds(5));
    age(rolledBack, Duration.ofMinutes(1)); // beyond the transaction timeout (30 s)
    age(young, Duration.ofSeconds(5)); // checked (after 1 s), not yet beyond it
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startCheckBackRelay(CheckBackIntegrationTests::quickCheckBack);

      List<Received> received = reader.awaitRefId(committed.refId(), DELIVERY);
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.status(committed.messageId()) == MessageStatus.SENT.code());
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.status(rolledBack.messageId()) == MessageStatus.CANCELLED.code());
      assertThat(fixture.status(young.messageId())).isEqualTo(MessageStatus.PREPARED.code());
      assertThat(received).extracting(Received::value).containsExactly("committed");
      assertThat(decisions("confirmed")).isEqualTo(1);
      assertThat(decisions("cancelled")).isEqualTo(1);
      assertThat(
              fixture.meters.get(CheckBack.DECIDED_AGE).tag("outcome", "cancelled").summary().max())
          .isGreaterThanOrEqualTo(60);
      // the gauges see the one still PREPARED
      await()
          .atMost(DELIVERY)
          .untilAsserted(
              () ->
                  assertThat(fixture.meters.get(RelayMetrics.PREPARED).gauge().value())
                      .isEqualTo(1));
      assertThat(fixture.meters.get(RelayMetrics.OLDEST_PREPARED_AGE).gauge().value())
          .isGreaterThanOrEqualTo(5);

      // once its transaction could no longer commit, it is cancelled too
      age(young, Duration.ofMinutes(1));
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.status(young.messageId()) == MessageStatus.CANCELLED.code());
      assertThat(reader.received()).extracting(Received::value).containsExactly("committed");
    }
  }

  @Test
  void aPreparedMessageHoldsBackItsKeyUntilTheCheckBackDecidesIt() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    // first of the key: its service died after the commit, before confirming
    PreparedMessage first = writer.messageStore().prepare(writer.message("key", "first"));
    recordCommitted(first);
    // second of the key: confirmed by its own service at once
    long second =
        writer
            .transaction()
            .execute(
                tx ->
                    writer
                        .messageStore()
                        .enlist(writer.messageStore().prepare(writer.message("key", "second"))));
    long other = writer.send("other", "other key");
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      OutboxRelay relay =
          fixture.startCheckBackRelay(
              settings -> settings.checkBack(checkBack(Duration.ofSeconds(3))));

      // the other key goes at once; the key's second message waits for its first
      reader.awaitUntil(all -> all.stream().anyMatch(r -> r.value().equals("other key")), DELIVERY);
      assertThat(fixture.status(second)).isEqualTo(MessageStatus.PENDING.code());
      assertThat(reader.received()).extracting(Received::value).doesNotContain("second");

      List<Received> received =
          reader.awaitUntil(
              all -> all.stream().filter(r -> "key".equals(r.key())).count() == 2, DELIVERY);
      assertThat(received)
          .filteredOn(r -> "key".equals(r.key()))
          .extracting(Received::value)
          .containsExactly("first", "second");
      assertThat(relay.ownedLanes()).isNotEmpty();
      assertThat(fixture.status(other)).isEqualTo(MessageStatus.SENT.code());
    }
  }

  @Test
  void oneInstanceAtATimeChecksBack() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage committed = writer.messageStore().prepare(writer.message("k", "committed"));
    recordCommitted(committed);
    age(committed, Duration.ofSeconds(5));
    OutboxRelay relay = fixture.checkBackRelay(CheckBackIntegrationTests::quickCheckBack);
    // another instance holds the check-back's lock
    fixture.jdbc.update(
        "INSERT INTO shedlock (name, lock_until, locked_at, locked_by) VALUES (?,"
            + " DATE_ADD(UTC_TIMESTAMP(3), INTERVAL 1 MINUTE), UTC_TIMESTAMP(3), 'other-relay')",
        CheckBack.LOCK);

    relay.checkBack().run();
    assertThat(fixture.status(committed.messageId())).isEqualTo(MessageStatus.PREPARED.code());

    // the other instance's lock ends
    fixture.jdbc.update(
        "UPDATE shedlock SET lock_until = DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 1 SECOND)"
            + " WHERE name = ?",
        CheckBack.LOCK);
    relay.checkBack().run();
    assertThat(fixture.status(committed.messageId())).isEqualTo(MessageStatus.PENDING.code());
  }

  @Test
  void aBusinessDatabaseThatDoesNotAnswerDecidesNothingAndBacksOff() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage old = writer.messageStore().prepare(writer.message("k", "old"));
    age(old, Duration.ofMinutes(5));
    OutboxRelay relay = fixture.checkBackRelay(CheckBackIntegrationTests::quickCheckBack);
    // the business database goes away: dropped here, as a revoked grant or a wrong schema would
    business().execute("DROP TABLE t_msg_order");

    relay.checkBack().run();
    relay.checkBack().run(); // within the backoff: not even asked

    // not cancelled although older than the transaction timeout: without an answer nothing is
    // known, and a committed business transaction must not lose its message
    assertThat(fixture.status(old.messageId())).isEqualTo(MessageStatus.PREPARED.code());
    assertThat(fixture.meters.get(CheckBack.FAILURES).counter().count()).isEqualTo(1);
    assertThat(decisions("cancelled")).isZero();
  }

  @Test
  void aPoisonMessageOfTheMessageStoreBecomesDeadWhileItsKeyAndTheOthersFlow() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    long poison = writer.send("poison", "x".repeat(20_000));
    long afterPoison = writer.send("poison", "after the poison");
    for (int i = 0; i < 20; i++) {
      writer.send("healthy-" + (i % 4), "m" + i);
    }
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startCheckBackRelay(
          settings -> {
            quickCheckBack(settings);
            settings.kafkaProperties(java.util.Map.of("max.request.size", "10000"));
          });

      List<Received> received = reader.awaitUntil(all -> all.size() >= 21, DELIVERY);
      assertThat(received)
          .extracting(Received::value)
          .contains("after the poison")
          .doesNotContain("x".repeat(20_000));
      await().atMost(DELIVERY).until(() -> fixture.status(poison) == MessageStatus.DEAD.code());
      assertThat(fixture.status(afterPoison)).isEqualTo(MessageStatus.SENT.code());
    }
  }

  @Test
  void aMessageCancelledWhileItsOverlongTransactionRanIsPublishedWhenItCommitsAfterAll() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    OutboxRelay relay = fixture.checkBackRelay(CheckBackIntegrationTests::quickCheckBack);
    relay.start();
    PreparedMessage late = writer.messageStore().prepare(writer.message("k", "late"));
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      writer
          .transaction()
          .executeWithoutResult(
              tx -> {
                writer.messageStore().enlist(late);
                // the transaction outlasts the check-back's transaction timeout (30 s)
                age(late, Duration.ofMinutes(1));
                await()
                    .atMost(DELIVERY)
                    .until(
                        () -> fixture.status(late.messageId()) == MessageStatus.CANCELLED.code());
              });

      // it committed: its message goes out after all, late, instead of being lost
      assertThat(reader.awaitRefId(late.refId(), DELIVERY))
          .filteredOn(r -> late.refId().equals(r.refId()))
          .hasSize(1);
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.status(late.messageId()) == MessageStatus.SENT.code());
    }
  }

  @Test
  void aBusinessDatabaseUserThatMayOnlyReadTMsgOrderIsEnoughToConfirm() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage committed = writer.messageStore().prepare(writer.message("k", "committed"));
    recordCommitted(committed);
    age(committed, Duration.ofSeconds(5));
    String database = fixture.businessDatabase().name();
    String user = "check_back_" + database;
    JdbcTemplate admin = business();
    admin.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'Ch3ck-b4ck'");
    try {
      admin.execute("GRANT SELECT ON `" + database + "`.t_msg_order TO '" + user + "'@'%'");
      com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
      config.setJdbcUrl(fixture.businessDatabase().jdbcUrl());
      config.setUsername(user);
      config.setPassword("Ch3ck-b4ck");
      config.setReadOnly(true);
      try (com.zaxxer.hikari.HikariDataSource readOnly =
          new com.zaxxer.hikari.HikariDataSource(config)) {
        OutboxRelay relay =
            new OutboxRelay(
                fixture.database.dataSource(),
                fixture.settings(CheckBackIntegrationTests::quickCheckBack),
                fixture.meters,
                readOnly);
        try {
          relay.checkBack().run();
        } finally {
          relay.close();
        }
      }
      assertThat(fixture.status(committed.messageId())).isEqualTo(MessageStatus.PENDING.code());
    } finally {
      admin.execute("DROP USER '" + user + "'@'%'");
    }
  }
}
