package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ClockStepRepairs} on the real server: what a clock that stepped back leaves, cut back. */
class ClockStepRepairsTests extends StoreContractTests {
  private static final long MINUTE_MICROS = 60_000_000L;

  private ClockStepRepairs repairs;

  @BeforeEach
  void createRepairs() {
    repairs = new ClockStepRepairs(dataSource);
  }

  @Test
  void leasesRunningOutTooFarAheadAreCountedAndCutBackByFamily() {
    lease("outbox-lane-1", "INTERVAL 2 HOUR");
    lease("outbox-lane-2", "INTERVAL 30 SECOND");
    lease("outbox-member-a", "INTERVAL 2 HOUR");

    assertThat(repairs.suspectLeases(MINUTE_MICROS)).isEqualTo(2);
    assertThat(
            repairs.capLeases(
                new ClockStepRepairs.LeaseFamily("outbox-lane-%", 1_000_000, MINUTE_MICROS)))
        .isEqualTo(1);

    assertThat(repairs.suspectLeases(MINUTE_MICROS)).as("the member's family is not cut").isOne();
    assertThat(repairs.suspectLeases(2_000_000)).as("lane-1 cut to 1 s, lane-2 left").isEqualTo(2);
  }

  @Test
  void theSweepFindsPendingRowsDueTooFarAheadSliceBySliceAndMakesThemDue() {
    long near = insert("a", 2, Duration.ofSeconds(30));
    long farAhead = insert("b", 2, Duration.ofHours(2));
    long otherLane = insert("c", 3, Duration.ofHours(2));
    long next = insert("d", 2, Duration.ofHours(2));

    ClockStepRepairs.Slice first = repairs.pendingSlice(2, 0, 2, MINUTE_MICROS);
    ClockStepRepairs.Slice second = repairs.pendingSlice(2, first.lastId(), 2, MINUTE_MICROS);

    assertThat(first).isEqualTo(new ClockStepRepairs.Slice(2, farAhead, List.of(farAhead)));
    assertThat(second).isEqualTo(new ClockStepRepairs.Slice(1, next, List.of(next)));
    assertThat(repairs.makeDue(List.of(near, farAhead, otherLane), MINUTE_MICROS)).isEqualTo(2);
    assertThat(repairs.makeDue(List.of(), MINUTE_MICROS)).isZero();
    assertThat(ids(new RoundClaims(dataSource).claimLanes(List.of(2, 3), 10, MB).rows()))
        .containsExactly(farAhead, otherLane);
    assertThat(repairs.databaseMicros()).isPositive();
  }
}
