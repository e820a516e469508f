package dev.outboxrelay.internal;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-key order (docs/design.md, "Guarantees", 4): a claimed row may be published only if no older
 * unpublished row with the same key exists outside the publisher's own claimed set. That older row
 * is being published by someone else (the fast path, a previous lease holder) or waits for its
 * retry; the held-back row stays PENDING and goes out after it.
 */
public final class OrderingGuard {
  private final Function<List<OutboxRow>, Map<String, Long>> firstBlockingIds;

  private OrderingGuard(Function<List<OutboxRow>, Map<String, Long>> firstBlockingIds) {
    this.firstBlockingIds = firstBlockingIds;
  }

  /**
   * The relay's guard: reads every unclaimed unpublished row of the claimed lanes below each lane's
   * newest claimed row ({@code idx_msg_claim}), which for a batch of a lane's oldest rows are few:
   * those another publisher holds and those waiting for a retry.
   */
  public static OrderingGuard byLane(RoundClaims store) {
    return new OrderingGuard(claimed -> store.firstBlockingIdsInLanes(claimed, Integer.MAX_VALUE));
  }

  /**
   * The fast path's guard: as {@link #byLane}, but reads at most {@code rowsPerLane} rows of a
   * lane. Its rows are a lane's newest, so below them lies the lane's whole backlog; where more
   * than {@code rowsPerLane} wait, its rows of that lane are held back and the relay publishes them
   * after the older ones, as it would have to for any key among them.
   *
   * @param rowsPerLane 1 or more
   */
  public static OrderingGuard byLaneUpTo(RoundClaims store, int rowsPerLane) {
    if (rowsPerLane < 1) {
      throw new IllegalArgumentException("rowsPerLane must be 1 or more, was " + rowsPerLane);
    }
    return new OrderingGuard(claimed -> store.firstBlockingIdsInLanes(claimed, rowsPerLane));
  }

  /** The claimed rows that may be published now, in id order; run in the claim's transaction. */
  public List<OutboxRow> releasable(List<OutboxRow> claimed) {
    if (claimed.isEmpty()) {
      return claimed;
    }
    return releasable(claimed, firstBlockingIds.apply(claimed));
  }

  static List<OutboxRow> releasable(List<OutboxRow> claimed, Map<String, Long> firstBlockingIds) {
    if (firstBlockingIds.isEmpty()) {
      return claimed;
    }
    return claimed.stream()
        .filter(
            row -> {
              Long blocking = row.key() == null ? null : firstBlockingIds.get(row.key());
              return blocking == null || blocking > row.id();
            })
        .toList();
  }
}
