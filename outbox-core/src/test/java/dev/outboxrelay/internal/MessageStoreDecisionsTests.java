package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link MessageStoreDecisions} on the real server: message-store mode's decisions. */
class MessageStoreDecisionsTests extends StoreContractTests {
  private MessageStoreDecisions decisions;

  @BeforeEach
  void createDecisions() {
    decisions = new MessageStoreDecisions(dataSource);
  }

  @Test
  void confirmAndCancelDecideOnlyPreparedRowsOfTheGivenBusinessMessageId() {
    long confirmed = prepared("bus-1", 0);
    long cancelled = prepared("bus-2", 0);
    long otherId = prepared("bus-3", 0);

    assertThat(decisions.confirm(Map.of(confirmed, "bus-1", otherId, "bus-x"), Duration.ZERO))
        .isEqualTo(1);
    assertThat(decisions.cancel(Map.of(cancelled, "bus-2", confirmed, "bus-1"))).isEqualTo(1);
    // the first decision wins: a confirmed message is not cancelled, nor a cancelled one confirmed
    assertThat(decisions.confirm(Map.of(cancelled, "bus-2"), Duration.ZERO)).isZero();
    assertThat(decisions.confirm(Map.of(), Duration.ZERO)).isZero();
    assertThat(decisions.cancel(Map.of())).isZero();

    assertThat(writes.statusOf(confirmed)).contains(MessageStatus.PENDING);
    assertThat(writes.statusOf(cancelled)).contains(MessageStatus.CANCELLED);
    assertThat(writes.statusOf(otherId)).contains(MessageStatus.PREPARED);
  }

  @Test
  void aConfirmedMessageIsDueAfterTheRelayDelay() {
    long later = prepared("bus-1", 1);
    long now = prepared("bus-2", 1);

    decisions.confirm(Map.of(later, "bus-1"), Duration.ofHours(1));
    decisions.confirm(Map.of(now, "bus-2"), Duration.ZERO);

    assertThat(ids(new RoundClaims(dataSource).claimLanes(List.of(1), 10, MB).rows()))
        .containsExactly(now);
  }

  @Test
  void reviveMakesOnlyCancelledMessagesPendingAndDueNow() {
    long cancelled = prepared("bus-1", 0);
    long stillPrepared = prepared("bus-2", 0);
    decisions.cancel(Map.of(cancelled, "bus-1"));

    assertThat(decisions.revive(Map.of(cancelled, "bus-1", stillPrepared, "bus-2"))).isEqualTo(1);
    assertThat(decisions.revive(Map.of())).isZero();

    assertThat(writes.statusOf(cancelled)).contains(MessageStatus.PENDING);
    assertThat(writes.statusOf(stillPrepared)).contains(MessageStatus.PREPARED);
    assertThat(
            jdbc.queryForObject("SELECT sent_at FROM t_msg WHERE id = ?", Object.class, cancelled))
        .isNull();
  }

  @Test
  void theRecordedBusinessMessageIdsAreThoseATMsgOrderRowCarries() {
    writes.insertOrder(1, "a", "bus-1");
    writes.insertOrder(1, "b");

    assertThat(decisions.recordedBusMsgIds(List.of("bus-1", "bus-2"))).containsExactly("bus-1");
    assertThat(decisions.recordedBusMsgIds(List.of())).isEmpty();
  }

  @Test
  void theCheckBackSeesPreparedRowsOlderThanItsThresholdOldestFirstPageByPage() {
    long oldest = prepared("bus-1", 0);
    long old = prepared("bus-2", 1);
    prepared("bus-3", 0); // young
    long elsewhere = prepared("bus-4", 5);
    long pending = insert("k", 0, NOW);
    jdbc.update(
        "UPDATE t_msg SET created_at = created_at - INTERVAL 10 MINUTE WHERE id IN (?, ?, ?, ?)",
        oldest,
        old,
        elsewhere,
        pending);
    jdbc.update("UPDATE t_msg SET bus_msg_id = NULL WHERE id = ?", old);

    List<MessageStoreDecisions.PreparedRow> page =
        decisions.preparedOlderThan(List.of(0, 1), Duration.ofMinutes(5), 0, 1);
    List<MessageStoreDecisions.PreparedRow> next =
        decisions.preparedOlderThan(List.of(0, 1), Duration.ofMinutes(5), oldest, 10);

    assertThat(page).extracting(MessageStoreDecisions.PreparedRow::id).containsExactly(oldest);
    assertThat(page.get(0).busMsgId()).isEqualTo("bus-1");
    assertThat(page.get(0).ageSeconds()).isBetween(600.0, 700.0);
    // a PREPARED row not written by message-store mode comes with no business message id
    // (nor the young one, the one in a lane not asked about, nor a PENDING one)
    assertThat(next).extracting(MessageStoreDecisions.PreparedRow::id).containsExactly(old);
    assertThat(next.get(0).busMsgId()).isNull();
  }

  private long prepared(String busMsgId, int lane) {
    return writes.insertPrepared(
        new OutboxWrites.NewMessage(null, 1, "ref", "topic", "k", new byte[] {1}, null, lane),
        busMsgId);
  }
}
