package dev.outboxrelay;

import java.util.ArrayList;
import java.util.List;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Collects the message ids written in one transaction and hands them to the fast path once that
 * transaction committed. A rolled-back transaction hands nothing over: its rows are gone. Ids of a
 * savepoint that was rolled back are handed over too, and simply not found by the claim.
 */
final class AfterCommitHandoff implements TransactionSynchronization {
  private final FastPath fastPath;
  private final List<Long> ids = new ArrayList<>();

  private AfterCommitHandoff(FastPath fastPath) {
    this.fastPath = fastPath;
  }

  /** Adds {@code id} to the current transaction's hand-off, registering one if needed. */
  static void register(long id, FastPath fastPath) {
    if (fastPath == FastPath.NONE || !TransactionSynchronizationManager.isSynchronizationActive()) {
      return;
    }
    // A REQUIRES_NEW transaction suspends the outer one's synchronizations, so the list below
    // holds only the current transaction's: each transaction hands over its own ids.
    for (TransactionSynchronization synchronization :
        TransactionSynchronizationManager.getSynchronizations()) {
      if (synchronization instanceof AfterCommitHandoff handoff && handoff.fastPath == fastPath) {
        handoff.ids.add(id);
        return;
      }
    }
    AfterCommitHandoff handoff = new AfterCommitHandoff(fastPath);
    handoff.ids.add(id);
    TransactionSynchronizationManager.registerSynchronization(handoff);
  }

  @Override
  public void afterCompletion(int status) {
    if (status == STATUS_COMMITTED) {
      fastPath.publishAfterCommit(List.copyOf(ids));
    }
  }
}
