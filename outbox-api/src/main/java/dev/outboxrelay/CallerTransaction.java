package dev.outboxrelay;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The caller's Spring transaction on the business {@code DataSource}, as the write path sees it.
 */
final class CallerTransaction {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(CallerTransaction.class);

  private CallerTransaction() {}

  /**
   * Whether the caller runs in a transaction that can still take rows. Not during its completion
   * (e.g. in a {@code @TransactionalEventListener(AFTER_COMMIT)}): its connection is still bound
   * then but will not commit again.
   */
  static boolean active() {
    return TransactionSynchronizationManager.isSynchronizationActive()
        && TransactionSynchronizationManager.isActualTransactionActive();
  }

  /**
   * The connection of a transaction on {@code dataSource} that is completing: the caller runs in
   * its after-completion callbacks (e.g. a {@code @TransactionalEventListener(AFTER_COMMIT)}),
   * where Spring has ended synchronization but still holds the connection bound; null otherwise. (A
   * transaction manager that never synchronizes is refused when the outbox starts, so a
   * transaction's bound connection without synchronization can only be one that completes.)
   */
  static @Nullable ConnectionHolder completing(DataSource dataSource) {
    // Not TransactionSynchronizationManager.isActualTransactionActive(): a transaction of another
    // manager begun and ended in the callback (e.g. the message store's) clears that flag, while
    // the completed transaction's connection stays bound until Spring's cleanup.
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      return null;
    }
    return TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder h
            && h.isSynchronizedWithTransaction()
        ? h
        : null;
  }

  /**
   * Runs {@code work} on the connection of a transaction that has completed ({@link #completing})
   * and commits it there, in a transaction of its own: no second connection from the pool (with
   * every thread holding one while it waits for another, a busy pool would run dry), and what
   * {@code work} wrote is committed when this returns, together with anything the caller wrote on
   * that connection after the commit; a failure undoes only {@code work}'s writes. Not atomic with
   * the completed transaction.
   *
   * @throws DuplicateMessageReferenceException as {@code work} throws it, nothing written
   * @throws TransactionSystemException if anything else failed; nothing was written
   */
  static <T> T inOwnTransactionOn(ConnectionHolder completed, String what, Supplier<T> work) {
    Connection connection = completed.getConnection();
    try {
      boolean autoCommit = connection.getAutoCommit();
      if (autoCommit) {
        connection.setAutoCommit(false);
      }
      // What the caller itself wrote on this connection since the commit is not ours to discard:
      // a failure rolls back to here, and a success commits it with the message.
      java.sql.Savepoint before = autoCommit ? null : connection.setSavepoint();
      try {
        T result = work.get();
        connection.commit();
        return result;
      } catch (RuntimeException | SQLException e) {
        if (before == null) {
          connection.rollback();
        } else {
          connection.rollback(before);
        }
        throw e;
      } finally {
        if (autoCommit) {
          connection.setAutoCommit(true);
        }
      }
    } catch (DuplicateMessageReferenceException e) {
      throw e;
    } catch (SQLException | RuntimeException e) {
      throw new TransactionSystemException(
          what + " after the transaction completed failed, nothing of it was written: " + e, e);
    }
  }

  /**
   * In {@code afterCompletion} of a committed transaction on {@code dataSource}: commits on its
   * still-bound connection what was written there after the commit (a {@code send} from a
   * synchronization's {@code afterCommit()}, which Spring runs while it reports the transaction as
   * active); a no-op when nothing was.
   *
   * @return false if that failed: the late rows are lost, as the ERROR logged says
   */
  static boolean commitLateWrites(DataSource dataSource, Object messages) {
    if (!(TransactionSynchronizationManager.getResource(dataSource)
        instanceof ConnectionHolder holder)) {
      log.error(
          "outbox messages {} were sent after their transaction committed and its connection is"
              + " gone: they are lost; send inside the transaction or from afterCompletion",
          messages);
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
          messages,
          e.toString());
      return false;
    }
  }

  /**
   * Refuses a transaction manager that never synchronizes: the outbox could not tell a running
   * transaction from a completing one, nor hand committed messages to the fast path.
   *
   * @throws IllegalStateException if {@code transactionManager} is set to {@code
   *     SYNCHRONIZATION_NEVER}
   */
  static void requireSynchronization(
      org.springframework.transaction.PlatformTransactionManager transactionManager) {
    if (transactionManager
            instanceof org.springframework.transaction.support.AbstractPlatformTransactionManager tm
        && tm.getTransactionSynchronization()
            == org.springframework.transaction.support.AbstractPlatformTransactionManager
                .SYNCHRONIZATION_NEVER) {
      throw new IllegalStateException(
          "the outbox's transaction manager never synchronizes (SYNCHRONIZATION_NEVER): the"
              + " outbox needs transaction synchronization (the default, SYNCHRONIZATION_ALWAYS)");
    }
  }

  /**
   * A transaction is active, but is it one on {@code dataSource}? If not, rows written there would
   * commit on their own, even when the business transaction rolls back: refuse instead. A
   * transaction manager of {@code dataSource} binds its connection when the transaction begins,
   * with auto-commit off; without one, Spring would bind a connection only now, on first use, in
   * auto-commit mode (each statement committing alone).
   *
   * @throws IllegalStateException if the active transaction does not manage {@code dataSource}
   */
  static void requireManages(DataSource dataSource) {
    if (!(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder)) {
      throw notManaged();
    }
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      if (connection.getAutoCommit()) {
        throw notManaged();
      }
    } catch (java.sql.SQLException e) {
      throw new org.springframework.jdbc.CannotGetJdbcConnectionException(
          "cannot read the transaction's connection", e);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }

  private static IllegalStateException notManaged() {
    return new IllegalStateException(
        "the active transaction does not manage the outbox's DataSource, so the message would"
            + " commit independently of it: use a transaction manager for that DataSource"
            + " (e.g. DataSourceTransactionManager)");
  }

  /**
   * {@code send} failed inside the caller's transaction after it may have written part of the
   * message, or the database rolled the whole transaction back (InnoDB does so for a deadlock
   * victim while Spring does not know): the transaction on {@code dataSource} is marked
   * rollback-only, so that nothing of it commits, and the caller learns that its transaction is
   * gone.
   *
   * @param what what failed, the start of the exception's message
   * @return the exception to throw: {@code CannotAcquireLockException} for a deadlock or lock wait
   *     timeout (the family retry policies look for), else {@code TransactionSystemException}
   */
  static RuntimeException gone(DataSource dataSource, String what, RuntimeException cause) {
    Object resource = TransactionSynchronizationManager.getResource(dataSource);
    if (resource instanceof ConnectionHolder holder) {
      // what DataSourceTransactionManager/JdbcTransactionManager read as the transaction's
      // rollback-only flag, for the transaction bound to this DataSource now
      holder.setRollbackOnly();
    }
    String reason =
        what
            + " and the caller's transaction can no longer commit: it is marked rollback-only"
            + " (retry the whole transaction): "
            + cause.getMessage();
    if (cause instanceof PessimisticLockingFailureException) {
      return new CannotAcquireLockException(reason, cause);
    }
    return new TransactionSystemException(reason, cause);
  }
}
