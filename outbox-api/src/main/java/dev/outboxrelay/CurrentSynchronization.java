package dev.outboxrelay;

import java.util.function.Predicate;
import java.util.function.Supplier;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** The outbox's one synchronization of a kind in the current transaction. */
final class CurrentSynchronization {
  private CurrentSynchronization() {}

  /**
   * The current transaction's synchronization of {@code type} that {@code matches}, else a new one
   * from {@code create}, registered. A REQUIRES_NEW transaction suspends the outer one's
   * synchronizations, so only the current transaction's are searched: each transaction keeps its
   * own. Needs an active synchronization.
   */
  static <T extends TransactionSynchronization> T of(
      Class<T> type, Predicate<T> matches, Supplier<T> create) {
    for (TransactionSynchronization synchronization :
        TransactionSynchronizationManager.getSynchronizations()) {
      if (type.isInstance(synchronization) && matches.test(type.cast(synchronization))) {
        return type.cast(synchronization);
      }
    }
    T created = create.get();
    TransactionSynchronizationManager.registerSynchronization(created);
    return created;
  }
}
