package dev.outboxrelay;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

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
  private static final Logger log = LoggerFactory.getLogger(TransactionMessages.class);

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
    if ((writtenLate || !beforeCommitSeen) && !commitLateRows()) {
      return;
    }
    fastPath.publishAfterCommit(List.copyOf(ids));
  }

  /** Commits the rows written after the transaction's commit; false if that failed. */
  private boolean commitLateRows() {
    if (!(TransactionSynchronizationManager.getResource(dataSource)
        instanceof ConnectionHolder holder)) {
      log.error(
          "outbox messages {} were sent after their transaction committed and its connection is"
              + " gone: they are lost; send inside the transaction or from afterCompletion",
          ids);
      return false;
    }
    try {
      Connection connection = holder.getConnection();
      if (!connection.getAutoCommit()) {
        connection.commit();
      }
      return true;
    } catch (SQLException | RuntimeException e) {
      log.error(
          "outbox messages {} were sent after their transaction committed and could not be"
              + " committed: they are lost ({})",
          ids,
          e.toString());
      return false;
    }
  }
}
