package dev.outboxrelay.internal;

import java.util.List;
import java.util.Map;

/**
 * Per-key order (DESIGN §4.4): a claimed row may be published only if no older unpublished row with
 * the same key exists outside the publisher's own claimed set. That older row is being published by
 * someone else (the fast path, a previous lease holder) or waits for its retry; the held-back row
 * stays PENDING and goes out after it.
 */
public final class OrderingGuard {
  private final OutboxStore store;

  public OrderingGuard(OutboxStore store) {
    this.store = store;
  }

  /** The claimed rows that may be published now, in id order; run in the claim's transaction. */
  public List<OutboxRow> releasable(List<OutboxRow> claimed) {
    if (claimed.isEmpty()) {
      return claimed;
    }
    return releasable(claimed, store.firstBlockingIds(claimed));
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
