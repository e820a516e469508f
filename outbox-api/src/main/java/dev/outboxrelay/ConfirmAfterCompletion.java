package dev.outboxrelay;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.transaction.support.TransactionSynchronization;

/**
 * Collects the messages a business transaction prepared (message-store mode) and has them confirmed
 * or cancelled once it completed, on the business thread (the article's {@code afterCompletion}).
 */
final class ConfirmAfterCompletion implements TransactionSynchronization {
  private final MessageDecisions decisions;
  // message id -> business message id
  private final Map<Long, String> prepared = new LinkedHashMap<>();
  private final DataSource businessDataSource;
  // Spring calls beforeCompletion on every synchronization before the commit or rollback; one
  // registered without that call, or a message added after it, was written while the transaction
  // completed (a send from a TransactionSynchronization's afterCommit): its t_msg_order row went
  // onto a connection that commits nothing more, so it is committed here first.
  private boolean beforeCompletion;
  private boolean writtenLate;

  private ConfirmAfterCompletion(MessageDecisions decisions, DataSource businessDataSource) {
    this.decisions = decisions;
    this.businessDataSource = businessDataSource;
  }

  /** Adds a prepared message to the current transaction's, registering the callback if needed. */
  static void register(
      MessageDecisions decisions, DataSource businessDataSource, long messageId, String busMsgId) {
    ConfirmAfterCompletion callback =
        CurrentSynchronization.of(
            ConfirmAfterCompletion.class,
            c -> c.decisions == decisions,
            () -> new ConfirmAfterCompletion(decisions, businessDataSource));
    callback.prepared.put(messageId, busMsgId);
    callback.writtenLate |= callback.beforeCompletion;
  }

  @Override
  public void beforeCompletion() {
    beforeCompletion = true;
  }

  @Override
  public void afterCompletion(int status) {
    if (status == STATUS_COMMITTED && (writtenLate || !beforeCompletion)) {
      // if this fails, the rows are gone and the decision below cancels their messages
      CallerTransaction.commitLateWrites(businessDataSource, prepared.keySet());
    }
    decisions.decide(status, Map.copyOf(prepared));
  }
}
