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

/**
 * The article's three scenarios and the savepoint case, on the real MariaDB and Kafka: a message is
 * published if and only if its transaction committed (docs/design.md, "Guarantees", 1 and 3), and
 * the fast path publishes it right after the commit.
 */
class ArticleScenariosIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);

  private OutboxFixture fixture;
  private UserService users;
  private Scenarios scenarios;
  private MsgSender msgSender;
  private TopicReader reader;

  @BeforeEach
  void start() {
    fixture = new OutboxFixture(OutboxFixture.withFastPath(), UserService.class, Scenarios.class);
    users = fixture.bean(UserService.class);
    scenarios = fixture.bean(Scenarios.class);
    msgSender = fixture.bean(MsgSender.class);
    reader = fixture.reader();
  }

  @AfterEach
  void stop() {
    reader.close();
    fixture.close();
  }

  @Test
  void committedBusinessTransactionIsDeliveredByTheFastPath() {
    long id = users.register(1, "Tom");

    List<Received> received = reader.awaitRefId("user-1", DELIVERY);

    Received message = received.get(0);
    assertThat(message.value()).isEqualTo(UserService.message(1, "Tom"));
    assertThat(message.headers())
        .containsEntry("outbox-id", fixture.messageIdOf(id))
        .containsEntry("outbox-ref-type", "1")
        .containsEntry("outbox-ref-id", "user-1")
        .containsKey("outbox-created-at");
    await().atMost(DELIVERY).until(() -> fixture.status(id) == MessageStatus.SENT.code());
    assertThat(fixture.bean(Outbox.class).deliveryStatus(id)).contains(DeliveryStatus.SENT);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isEqualTo(1);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'user-1'"))
        .isEqualTo(1);
  }

  @Test
  void rolledBackBusinessTransactionLeavesNoMessageAndNothingIsDelivered() {
    long lastId = msgSender.send("before", 9, "before-1");
    assertThatThrownBy(() -> users.registerFail(1, "Zhang San"))
        .isInstanceOf(IllegalStateException.class);

    // the rolled-back row took the next id: there is none, so its status is empty
    assertThat(fixture.bean(Outbox.class).deliveryStatus(lastId + 1)).isEmpty();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isZero();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg")).isEqualTo(1);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order")).isEqualTo(1);
    // Not later either: a message committed afterwards arrives, the rolled-back one never does
    // (there is no row left that anyone could publish).
    users.register(2, "Li Si");
    List<Received> received = reader.awaitRefId("user-2", DELIVERY);
    assertThat(received).extracting(Received::refId).doesNotContain("user-1");
  }

  @Test
  void requiresNewInnerTransactionIsDeliveredWhileTheOuterRollsBack() {
    assertThatThrownBy(() -> scenarios.nested("nested-1"))
        .isInstanceOf(IllegalStateException.class);

    assertThat(fixture.jdbc.queryForList("SELECT ref_id FROM t_msg", String.class))
        .containsExactly("user-1");
    assertThat(fixture.jdbc.queryForList("SELECT id FROM t_user", Long.class)).containsExactly(1L);
    users.register(9, "marker");
    List<Received> received = reader.awaitRefId("user-9", DELIVERY);
    received = reader.awaitRefId("user-1", DELIVERY);
    assertThat(received).extracting(Received::refId).containsOnly("user-1", "user-9");
    assertThat(received)
        .filteredOn(r -> r.refId().equals("user-1"))
        .extracting(Received::value)
        .containsExactly(UserService.message(1, "Zhang San"));
  }

  @Test
  void savepointRolledBackDropsOnlyItsOwnMessage() {
    scenarios.savepoint("savepoint-a", "savepoint-c");

    assertThat(fixture.jdbc.queryForList("SELECT ref_id FROM t_msg ORDER BY id", String.class))
        .containsExactly("savepoint-a", "savepoint-c");
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isZero();
    List<Received> received =
        reader.awaitUntil(
            all ->
                all.stream()
                    .map(Received::refId)
                    .toList()
                    .containsAll(List.of("savepoint-a", "savepoint-c")),
            DELIVERY);
    assertThat(received)
        .extracting(Received::refId)
        .containsExactlyInAnyOrder("savepoint-a", "savepoint-c");
  }

  @Test
  void sendWithoutTransactionCommitsAndDeliversAtOnce() {
    long id = msgSender.send("no transaction", 4, "plain-1");

    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE id = ?", id)).isEqualTo(1);
    List<Received> received = reader.awaitRefId("plain-1", DELIVERY);
    assertThat(received).extracting(Received::value).containsExactly("no transaction");
    await().atMost(DELIVERY).until(() -> fixture.status(id) == MessageStatus.SENT.code());
  }
}
