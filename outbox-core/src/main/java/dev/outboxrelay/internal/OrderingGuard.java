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

  /**
   * The fast path's guard, by key: its rows are a lane's newest, so it reads only the claimed keys'
   * rows from their lane's oldest unpublished row up, by the key index.
   */
  public static OrderingGuard byKey(RoundClaims store) {
    return new OrderingGuard(store::firstBlockingIdsByKey);
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
