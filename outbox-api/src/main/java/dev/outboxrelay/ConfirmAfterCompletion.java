package dev.outboxrelay;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.transaction.support.TransactionSynchronization;

/**
 * Collects the messages a business transaction prepared (message-store mode) and has them confirmed
 * or cancelled once it completed, on the business thread (the article's {@code afterCompletion}).
 */
final class ConfirmAfterCompletion implements TransactionSynchronization {
  private final MessageDecisions decisions;
  // message id -> business message id
  private final Map<Long, String> prepared = new LinkedHashMap<>();
  // Spring calls beforeCompletion on every synchronization before the commit or rollback; one
  // registered without that call was registered while the transaction completed (a send from a
  // TransactionSynchronization's afterCommit): its rows went onto a connection that commits
  // nothing more, so reading them back here proves nothing.
  private boolean beforeCompletion;

  private ConfirmAfterCompletion(MessageDecisions decisions) {
    this.decisions = decisions;
  }

  /** Adds a prepared message to the current transaction's, registering the callback if needed. */
  static void register(MessageDecisions decisions, long messageId, String busMsgId) {
    CurrentSynchronization.of(
            ConfirmAfterCompletion.class,
            callback -> callback.decisions == decisions,
            () -> new ConfirmAfterCompletion(decisions))
        .prepared
        .put(messageId, busMsgId);
  }

  @Override
  public void beforeCompletion() {
    beforeCompletion = true;
  }

  @Override
  public void afterCompletion(int status) {
    if (!beforeCompletion) {
      decisions.leaveToCheckBack(Map.copyOf(prepared));
      return;
    }
    decisions.decide(status, Map.copyOf(prepared));
  }
}
