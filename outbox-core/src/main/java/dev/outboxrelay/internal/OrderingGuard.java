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
   * The relay's guard, by lane ({@code idx_msg_claim}): reads the claimed lanes' unclaimed
   * unpublished rows below each lane's newest claimed row, which for a batch of a lane's oldest
   * rows are few: those another publisher holds and those waiting for a retry.
   */
  public static OrderingGuard byLane(RoundClaims store) {
    return new OrderingGuard(store::firstBlockingIdsInLanes);
  }

  // The fast path's bounds (RoundClaims#firstBlockingIdsByKey). At a steady rate a lane holds a
  // few unpublished rows below a new one, those other publishers have in flight: read by lane.
  // Behind a backlog, the keys' rows within the lane's unpublished window are read by key; a
  // window is at most 10,000 ids wide, so that a plan scanning it (a hot key) reads about that
  // many rows at worst, a few ms; wider (an old row stuck below, e.g. waiting for a retry), the
  // lane's new rows go to the relay until it is gone.
  private static final int FAST_PATH_ROWS_PER_LANE = 32;
  private static final long FAST_PATH_WINDOW_IDS = 10_000;

  /**
   * The fast path's guard: its rows are a lane's newest, above the lane's backlog. Reads the lane's
   * unpublished rows below them when they are few, else the claimed keys' rows in the lane's
   * unpublished window, by key; where that window is too wide, leaves the lane's rows to the relay.
   */
  public static OrderingGuard byKey(RoundClaims store) {
    return new OrderingGuard(
        claimed ->
            store.firstBlockingIdsByKey(claimed, FAST_PATH_ROWS_PER_LANE, FAST_PATH_WINDOW_IDS));
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
