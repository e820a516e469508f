package dev.outboxrelay;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.core.Ordered;
import org.springframework.transaction.support.TransactionSynchronization;

/**
 * The messages one transaction on the outbox's {@code DataSource} sent (same-database mode): hands
 * their ids to the fast path once the transaction committed, and commits the rows of a {@code send}
 * that ran after the commit.
 *
 * <p>A {@code TransactionSynchronization}'s {@code afterCommit()} runs while Spring still reports
 * the transaction as active, on its connection, which commits nothing more: rows written there
 * would be rolled back when a pool with auto-commit off takes the connection back. Such a {@code
 * send} is recognised here: it was made after this synchronization's {@code beforeCommit}, or this
 * synchronization was registered after it (it then sees no {@code beforeCommit} at all). In {@code
 * afterCompletion}, while the connection is still bound, those rows are committed on it in a
 * transaction of their own (an after-commit send is the article's approach 2: not atomic with the
 * business data). A rolled-back transaction hands nothing over: its rows are gone. Ids of a
 * savepoint that was rolled back are handed over too, and simply not found by the claim.
 */
final class TransactionMessages implements TransactionSynchronization {
  private final DataSource dataSource;
  private final FastPath fastPath;
  private final List<Long> ids = new ArrayList<>();
  private boolean beforeCommitSeen;
  private boolean writtenLate;

  private TransactionMessages(DataSource dataSource, FastPath fastPath) {
    this.dataSource = dataSource;
    this.fastPath = fastPath;
  }

  /**
   * Adds {@code id}, just written on the current transaction's connection, registering this
   * transaction's instance if needed. Needs an active synchronization.
   */
  static void add(long id, DataSource dataSource, FastPath fastPath) {
    CurrentSynchronization.of(
            TransactionMessages.class,
            messages -> messages.dataSource == dataSource,
            () -> new TransactionMessages(dataSource, fastPath))
        .added(id);
  }

  private void added(long id) {
    ids.add(id);
    // after beforeCommit the row may miss the commit (an afterCommit() callback, or a callback
    // ordered after this one): committed again in afterCompletion, a no-op if the commit took it
    writtenLate |= beforeCommitSeen;
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  public void beforeCommit(boolean readOnly) {
    beforeCommitSeen = true;
  }

  @Override
  public void afterCompletion(int status) {
    if (status != STATUS_COMMITTED) {
      return;
    }
    if ((writtenLate || !beforeCommitSeen)
        && !CallerTransaction.commitLateWrites(dataSource, ids)) {
      return;
    }
    fastPath.publishAfterCommit(List.copyOf(ids));
  }
}
