package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RoundOutcomes} on the real server: what the publish round records of its claimed rows. */
class RoundOutcomesTests extends StoreContractTests {
  private RoundOutcomes outcomes;

  @BeforeEach
  void createOutcomes() {
    outcomes = new RoundOutcomes(dataSource);
  }

  @Test
  void markingRefusesRowsThatAreNotPending() {
    long sent = insert("k", 0, NOW);
    long pending = insert("k", 0, NOW);
    outcomes.markSent(List.of(sent));

    assertThat(writes.statusOf(sent)).contains(MessageStatus.SENT);
    // The verbs run in the publisher's transaction: the exception rolls back what they changed.
    assertThatThrownBy(() -> inTransaction(() -> outcomes.markSent(List.of(sent, pending))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expected to update 2");
    assertThat(writes.statusOf(pending)).contains(MessageStatus.PENDING);
    assertThatThrownBy(() -> inTransaction(() -> outcomes.markDead(sent, "x")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> inTransaction(() -> outcomes.markRetry(sent, 10, "x")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> inTransaction(() -> outcomes.deleteSent(List.of(sent))))
        .isInstanceOf(IllegalStateException.class);

    outcomes.markDead(pending, "too large");
    assertThat(writes.statusOf(pending)).contains(MessageStatus.DEAD);
    assertThat(writes.statusOf(pending + 1000)).isEmpty();
  }

  @Test
  void lateAcknowledgementsRecordOnlyTheRowsStillPending() {
    long late = insert("k", 0, NOW);
    long recordedMeanwhile = insert("k", 0, NOW);
    long lateDeleted = insert("j", 0, NOW);
    outcomes.markSent(List.of(recordedMeanwhile));

    assertThat(outcomes.markLateSent(List.of(late, recordedMeanwhile))).isEqualTo(1);
    assertThat(outcomes.deleteLateSent(List.of(lateDeleted, recordedMeanwhile))).isEqualTo(1);
    assertThat(writes.statusOf(late)).contains(MessageStatus.SENT);
    assertThat(writes.statusOf(lateDeleted)).isEmpty();
    assertThat(writes.statusOf(recordedMeanwhile)).contains(MessageStatus.SENT);
    assertThat(outcomes.markLateSent(List.of())).isZero();
  }

  @Test
  void aRowPutOffOrDeferredIsNotDueAndCountsNoAttempt() {
    long putOff = insert("k", 0, NOW);
    long deferred = insert("j", 0, NOW);

    inTransaction(() -> outcomes.putOff(List.of(putOff), Duration.ofHours(1), "still in flight"));
    inTransaction(() -> outcomes.markDeferred(deferred, 3_600_000, "x".repeat(2000)));

    RoundClaims claims = new RoundClaims(dataSource);
    assertThat(claims.claimIds(List.of(putOff, deferred))).isEmpty();
    // the recorded error keeps the fast path from claiming them as fresh
    assertThat(claims.claimFresh(List.of(putOff, deferred))).isEmpty();
    Map<String, Object> row =
        jdbc.queryForMap("SELECT attempts, last_error FROM t_msg WHERE id = ?", deferred);
    assertThat(((Number) row.get("attempts")).intValue()).isZero();
    assertThat((String) row.get("last_error")).hasSize(1000).endsWith("...");
  }

  @Test
  void makeDueTakesTheTopicsWaitingRowsOfTheLanesAndSkipsRowsARoundHolds() throws Exception {
    long waiting = insert("a", 1, Duration.ofHours(1));
    long held = insert("b", 2, Duration.ofHours(1));
    long otherLane = insert("c", 3, Duration.ofHours(1));
    jdbc.update(
        "UPDATE t_msg SET topic = 'other' WHERE id = ?", insert("d", 1, Duration.ofHours(1)));

    try (Connection round = dataSource.getConnection()) {
      round.setAutoCommit(false);
      lockRow(round, held);
      int[] made = new int[1];
      inTransaction(() -> made[0] = outcomes.makeDue("topic", List.of(1, 2)));
      assertThat(made[0]).isEqualTo(1);
      round.rollback();
    }
    assertThat(ids(new RoundClaims(dataSource).claimIds(List.of(waiting, held, otherLane))))
        .containsExactly(waiting);
  }
}
