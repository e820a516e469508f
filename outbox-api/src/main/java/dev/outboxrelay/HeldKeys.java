package dev.outboxrelay;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The message keys each open transaction of this thread has locked ({@code outbox.key-order=
 * commit}). A transaction that sends a key an outer, suspended transaction of the same thread holds
 * (e.g. {@code REQUIRES_NEW} inside it) would wait for that transaction, which waits for it: InnoDB
 * cannot see such a wait and it would last the lock wait timeout. {@link #check} refuses it at
 * once.
 */
final class HeldKeys {
  // per thread: the transaction (its connection holder) -> the keys it locked
  private static final ThreadLocal<Map<Object, Set<String>>> HELD =
      ThreadLocal.withInitial(HashMap::new);

  private HeldKeys() {}

  /**
   * @throws IllegalStateException if another open transaction of this thread holds {@code key}
   */
  static void check(@Nullable Object transaction, String key) {
    for (Map.Entry<Object, Set<String>> entry : HELD.get().entrySet()) {
      if (entry.getKey() != transaction && entry.getValue().contains(key)) {
        throw new IllegalStateException(
            "the message key '"
                + key
                + "' is locked by a suspended transaction of this thread (a REQUIRES_NEW"
                + " transaction inside one that sent the same key): it would wait for itself."
                + " Send it in the outer transaction, or set outbox.key-order=insert");
      }
    }
  }

  /** Records that {@code transaction} locked {@code key}, until it completes. */
  static void held(@Nullable Object transaction, String key) {
    Map<Object, Set<String>> held = HELD.get();
    Set<String> keys = held.get(transaction);
    if (keys == null) {
      keys = new HashSet<>();
      held.put(transaction, keys);
      TransactionSynchronizationManager.registerSynchronization(new Release(transaction));
    }
    keys.add(key);
  }

  /** Forgets a transaction's keys when it completes (its locks are then released). */
  private record Release(@Nullable Object transaction) implements TransactionSynchronization {
    @Override
    public void beforeCompletion() {
      release();
    }

    @Override
    public void afterCompletion(int status) {
      release();
    }

    private void release() {
      Map<Object, Set<String>> held = HELD.get();
      held.remove(transaction);
      if (held.isEmpty()) {
        HELD.remove();
      }
    }
  }
}
