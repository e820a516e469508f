package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Message-store mode (the article's approaches 4 and 5) on the real MariaDB and Kafka, with the
 * business and message databases apart: the article's three registration scenarios with the
 * outcomes it shows (confirmed and delivered, or cancelled), savepoints, approach 5's prepare
 * before the transaction, and a message published if and only if its transaction committed.
 */
class MessageStoreIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);

  private OutboxFixture fixture;
  private UserService users;
  private Scenarios scenarios;
  private MessageStoreOutbox outbox;
  private TransactionTemplate transaction;
  private TopicReader reader;

  @BeforeEach
  void start() {
    fixture =
        OutboxFixture.messageStore(
            OutboxFixture.withFastPath(), UserService.class, Scenarios.class);
    users = fixture.bean(UserService.class);
    scenarios = fixture.bean(Scenarios.class);
    outbox = fixture.bean(MessageStoreOutbox.class);
    transaction =
        new TransactionTemplate(
            fixture.bean(org.springframework.transaction.PlatformTransactionManager.class));
    reader = fixture.reader();
  }

  @AfterEach
  void stop() {
    reader.close();
    fixture.close();
  }

  private int status(long id) {
    return fixture.status(id);
  }

  private String busMsgIdOf(long id) {
    return fixture.messages.queryForObject(
        "SELECT bus_msg_id FROM t_msg WHERE id = ?", String.class, id);
  }

  @Test
  void scenario1CommittedRegistrationIsConfirmedAndDelivered() {
    long id = users.register(1, "Tom");

    List<Received> received = reader.awaitRefId("user-1", DELIVERY);
    assertThat(received)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.value()).isEqualTo(UserService.message(1, "Tom"));
              assertThat(r.headers()).containsEntry("outbox-id", fixture.messageIdOf(id));
            });
    await().atMost(DELIVERY).until(() -> status(id) == MessageStatus.SENT.code());
    // t_msg_order in the business database, in the business transaction, carrying the message's
    // business message id; t_msg only in the message database
    assertThat(
            fixture.jdbc.queryForObject(
                "SELECT bus_msg_id FROM t_msg_order WHERE ref_id = 'user-1'", String.class))
        .isEqualTo(busMsgIdOf(id))
        .hasSize(36);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg")).isZero();
    assertThat(fixture.messages.queryForObject("SELECT COUNT(*) FROM t_msg_order", Integer.class))
        .isZero();
    assertThat(outbox.deliveryStatus(id)).contains(DeliveryStatus.SENT);
  }

  @Test
  void scenario2RolledBackRegistrationIsCancelledAndNeverDelivered() {
    assertThatThrownBy(() -> users.registerFail(1, "Zhang San"))
        .isInstanceOf(IllegalStateException.class);

    long id = onlyMessage("user-1");
    assertThat(status(id)).isEqualTo(MessageStatus.CANCELLED.code());
    assertThat(outbox.deliveryStatus(id)).contains(DeliveryStatus.CANCELLED);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isZero();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order")).isZero();
    users.register(2, "Li Si");
    List<Received> received = reader.awaitRefId("user-2", DELIVERY);
    assertThat(received).extracting(Received::refId).doesNotContain("user-1");
  }

  @Test
  void scenario3RequiresNewInnerTransactionIsDeliveredWhileTheOuterOnesAreCancelled() {
    assertThatThrownBy(() -> scenarios.nested("nested-1"))
        .isInstanceOf(IllegalStateException.class);

    assertThat(status(onlyMessage("nested-1"))).isEqualTo(MessageStatus.CANCELLED.code());
    assertThat(status(onlyMessage("user-2"))).isEqualTo(MessageStatus.CANCELLED.code());
    long inner = onlyMessage("user-1");
    await().atMost(DELIVERY).until(() -> status(inner) == MessageStatus.SENT.code());
    users.register(9, "marker");
    reader.awaitRefId("user-9", DELIVERY);
    List<Received> received = reader.awaitRefId("user-1", DELIVERY);
    assertThat(received).extracting(Received::refId).containsOnly("user-1", "user-9");
  }

  @Test
  void aMessageOfASavepointThatWasRolledBackIsCancelledThoughTheTransactionCommits() {
    scenarios.savepoint("savepoint-a", "savepoint-c");

    // the transaction committed, but user 3's t_msg_order row went with its savepoint: the
    // decision after commit looks the rows up, as the article does, instead of trusting the status
    assertThat(status(onlyMessage("user-3"))).isEqualTo(MessageStatus.CANCELLED.code());
    reader.awaitUntil(
        all ->
            all.stream()
                .map(Received::refId)
                .toList()
                .containsAll(List.of("savepoint-a", "savepoint-c")),
        DELIVERY);
    assertThat(reader.awaitRefId("savepoint-c", DELIVERY))
        .extracting(Received::refId)
        .doesNotContain("user-3");
  }

  @Test
  void approach5PreparesBeforeTheTransactionAndTheTransactionDecides() {
    PreparedMessage committed = outbox.prepare(message("approach5-commit"));
    PreparedMessage rolledBack = outbox.prepare(message("approach5-rollback"));
    PreparedMessage abandoned = outbox.prepare(message("approach5-abandoned"));
    assertThat(List.of(committed, rolledBack, abandoned))
        .allSatisfy(p -> assertThat(status(p.messageId())).isEqualTo(MessageStatus.PREPARED.code()))
        .extracting(PreparedMessage::busMsgId)
        .doesNotHaveDuplicates();

    transaction.executeWithoutResult(tx -> outbox.enlist(committed));
    assertThatThrownBy(
            () ->
                transaction.executeWithoutResult(
                    tx -> {
                      outbox.enlist(rolledBack);
                      throw new IllegalStateException("business failure");
                    }))
        .hasMessage("business failure");

    reader.awaitRefId("approach5-commit", DELIVERY);
    await()
        .atMost(DELIVERY)
        .until(() -> status(committed.messageId()) == MessageStatus.SENT.code());
    assertThat(status(rolledBack.messageId())).isEqualTo(MessageStatus.CANCELLED.code());
    // never enlisted: nobody knows yet, the relay's check-back decides it (cancelled after the
    // transaction timeout); until then it stays PREPARED and is not published
    assertThat(status(abandoned.messageId())).isEqualTo(MessageStatus.PREPARED.code());
    assertThat(
            fixture.jdbc.queryForList("SELECT ref_id FROM t_msg_order ORDER BY id", String.class))
        .containsExactly("approach5-commit");
  }

  @Test
  void withoutATransactionSendPreparesRecordsAndConfirmsAtOnce() {
    long id = fixture.bean(MsgSender.class).send("no transaction", 4, "plain-1");

    assertThat(reader.awaitRefId("plain-1", DELIVERY))
        .extracting(Received::value)
        .containsExactly("no transaction");
    await().atMost(DELIVERY).until(() -> status(id) == MessageStatus.SENT.code());
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'plain-1'"))
        .isEqualTo(1);
  }

  @Test
  void aDuplicateReferenceIsRefusedAndLeavesNothingPrepared() {
    users.register(1, "Tom");

    // approach 4: refused by t_msg_order's unique key before the message is prepared
    assertThatThrownBy(
            () ->
                transaction.executeWithoutResult(
                    tx -> fixture.bean(MsgSender.class).send("again", 1, "user-1")))
        .isInstanceOf(DuplicateMessageReferenceException.class);
    // approach 5: the prepared message is cancelled at once
    PreparedMessage prepared =
        outbox.prepare(
            OutboxMessage.builder(fixture.topic).payload("again").reference(1, "user-1").build());
    assertThatThrownBy(() -> transaction.executeWithoutResult(tx -> outbox.enlist(prepared)))
        .isInstanceOf(DuplicateMessageReferenceException.class);

    assertThat(status(prepared.messageId())).isEqualTo(MessageStatus.CANCELLED.code());
    assertThat(
            fixture.messages.queryForObject(
                "SELECT COUNT(*) FROM t_msg WHERE status = ?",
                Integer.class,
                MessageStatus.PREPARED.code()))
        .isZero();
  }

  @Test
  void aMessageEnlistedTwiceIsRefusedTheSecondTimeAndNotCancelled() {
    PreparedMessage sameTransaction = outbox.prepare(message("twice-in-one"));
    transaction.executeWithoutResult(
        tx -> {
          outbox.enlist(sameTransaction);
          assertThatThrownBy(() -> outbox.enlist(sameTransaction))
              .isInstanceOf(DuplicateMessageReferenceException.class);
        });
    await()
        .atMost(DELIVERY)
        .until(() -> status(sameTransaction.messageId()) == MessageStatus.SENT.code());

    // enlisted by a transaction that committed, whose service died before confirming it
    PreparedMessage orphan = outbox.prepare(message("twice-in-two"));
    fixture.jdbc.update(
        "INSERT INTO t_msg_order (ref_type, ref_id, bus_msg_id, created_at)"
            + " VALUES (?, ?, ?, UTC_TIMESTAMP(3))",
        orphan.refType(),
        orphan.refId(),
        orphan.busMsgId());
    assertThatThrownBy(() -> transaction.executeWithoutResult(tx -> outbox.enlist(orphan)))
        .isInstanceOf(DuplicateMessageReferenceException.class);
    assertThatThrownBy(() -> outbox.enlist(orphan)) // outside a transaction too
        .isInstanceOf(DuplicateMessageReferenceException.class);
    // not cancelled: its transaction committed, the check-back will confirm it
    assertThat(status(orphan.messageId())).isEqualTo(MessageStatus.PREPARED.code());
    assertThat(reader.awaitRefId("twice-in-one", DELIVERY))
        .filteredOn(r -> "twice-in-one".equals(r.refId()))
        .hasSize(1);
  }

  @Test
  void aPreparedMessageNamingAnotherMessagesIdDecidesNothingForIt() {
    PreparedMessage victim = outbox.prepare(message("victim"));
    PreparedMessage forged =
        new PreparedMessage(
            victim.messageId(), java.util.UUID.randomUUID().toString(), 5, "forged");

    // its transaction rolls back: were ids enough, the victim would be cancelled
    assertThatThrownBy(
            () ->
                transaction.executeWithoutResult(
                    tx -> {
                      outbox.enlist(forged);
                      tx.setRollbackOnly();
                      throw new IllegalStateException("rolled back");
                    }))
        .hasMessage("rolled back");
    assertThat(status(victim.messageId())).isEqualTo(MessageStatus.PREPARED.code());
    // its transaction commits: were ids enough, the victim would be confirmed
    transaction.executeWithoutResult(tx -> outbox.enlist(forged));
    assertThat(status(victim.messageId())).isEqualTo(MessageStatus.PREPARED.code());

    assertThatThrownBy(() -> new PreparedMessage(1, " ", 5, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("busMsgId");
    assertThatThrownBy(() -> new PreparedMessage(1, "b", 5, "trailing "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refId");
  }

  @Test
  void aRefusedEnlistLeavesNoLockThatStallsOtherWriters() throws Exception {
    fixture.jdbc.update(
        "INSERT INTO t_msg_order (ref_type, ref_id, bus_msg_id, created_at)"
            + " VALUES (5, 'taken', 'aaaa', UTC_TIMESTAMP(3))");
    PreparedMessage duplicate = new PreparedMessage(1, "zzzz-1", 5, "taken");
    // after 'taken' in uk_msg_order_ref: InnoDB itself locks the gap before a duplicate key
    PreparedMessage other = new PreparedMessage(2, "zzzz-2", 5, "zz-other");
    java.util.concurrent.CountDownLatch refused = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CompletableFuture<Void> otherWriter;
    transaction.executeWithoutResult(
        tx -> {
          assertThatThrownBy(() -> outbox.enlist(duplicate))
              .isInstanceOf(DuplicateMessageReferenceException.class);
          // the caller goes on in its transaction; another writer meanwhile
          java.util.concurrent.CompletableFuture<Void> writer =
              java.util.concurrent.CompletableFuture.runAsync(
                  () -> transaction.executeWithoutResult(t -> outbox.enlist(other)));
          // a gap lock on uk_msg_order_bus after 'aaaa' (a locking read of the absent 'zzzz-1')
          // would hold it until this transaction ends
          assertThat(writer).succeedsWithin(Duration.ofSeconds(10));
          refused.countDown();
        });
    assertThat(refused.getCount()).isZero();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order WHERE bus_msg_id = 'zzzz-2'"))
        .isEqualTo(1);
  }

  private OutboxMessage message(String refId) {
    return OutboxMessage.builder(fixture.topic).payload(refId).reference(5, refId).build();
  }

  private long onlyMessage(String refId) {
    return fixture.messages.queryForObject(
        "SELECT id FROM t_msg WHERE ref_id = ?", Long.class, refId);
  }
}
