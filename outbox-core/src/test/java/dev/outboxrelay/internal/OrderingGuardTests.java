package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderingGuardTests {

  private static OutboxRow row(long id, String key) {
    return new OutboxRow(
        id, "m" + id, 1, "r" + id, "t", key, new byte[0], Map.of(), 0, 0, Instant.EPOCH, null);
  }

  @Test
  void rowIsHeldBackOnlyBehindAnOlderUnclaimedRowOfItsOwnKey() {
    List<OutboxRow> claimed = List.of(row(5, "a"), row(6, "b"), row(9, "a"), row(10, null));

    // key "a" has an unclaimed row 7: row 5 is older and goes, row 9 must wait behind 7
    List<OutboxRow> releasable = OrderingGuard.releasable(claimed, Map.of("a", 7L));

    assertThat(releasable).extracting(OutboxRow::id).containsExactly(5L, 6L, 10L);
  }

  @Test
  void nothingBlockingReleasesTheWholeBatch() {
    List<OutboxRow> claimed = List.of(row(1, "a"), row(2, "a"));

    assertThat(OrderingGuard.releasable(claimed, Map.of())).isSameAs(claimed);
  }

  @Test
  void anOlderBlockingRowHoldsBackEveryClaimedRowOfThatKey() {
    List<OutboxRow> claimed = List.of(row(5, "a"), row(6, "a"));

    assertThat(OrderingGuard.releasable(claimed, Map.of("a", 3L))).isEmpty();
  }
}
