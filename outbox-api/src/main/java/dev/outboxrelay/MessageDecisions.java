package dev.outboxrelay;

import dev.outboxrelay.internal.MessageStoreDecisions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Message-store mode's second step: confirms or cancels PREPARED messages once their business
 * transaction ended. Never throws: a decision that fails leaves the messages PREPARED, and the
 * relay's check-back decides them later from {@code t_msg_order}.
 */
final class MessageDecisions {
  private static final Logger log = LoggerFactory.getLogger(MessageDecisions.class);

  private final MessageStoreDecisions business;
  private final MessageStoreDecisions messages;
  private final TransactionTemplate messageTransaction;
  private final FastPath fastPath;
  private final Duration relayDelay;
  private final OutageLog outages = new OutageLog(log);

  MessageDecisions(
      MessageStoreDecisions business,
      MessageStoreDecisions messages,
      TransactionTemplate messageTransaction,
      FastPath fastPath,
      Duration relayDelay) {
    this.business = business;
    this.messages = messages;
    this.messageTransaction = messageTransaction;
    this.fastPath = fastPath;
    this.relayDelay = relayDelay;
  }

  /**
   * Decides the messages {@code busMsgIds} (message id → business message id) of a business
   * transaction that ended with {@code status} ({@link TransactionSynchronization}'s codes). Rolled
   * back: cancels them all. Committed: asks the business database which of them a {@code
   * t_msg_order} row carries, as the article does, and confirms those and cancels the others (sent
   * in a savepoint that was rolled back). Unknown (the commit's outcome was lost): confirms those
   * recorded and leaves the others to the check-back, as the commit may still be under way.
   */
  void decide(int status, Map<Long, String> busMsgIds) {
    if (status == TransactionSynchronization.STATUS_ROLLED_BACK) {
      cancel(busMsgIds);
      return;
    }
    Set<String> recorded;
    try {
      // On the business transaction's own connection, still bound while afterCompletion runs
      // (Spring releases it after the callbacks): no second connection from the business pool,
      // which under load would wait for one that its own holders cannot give back. After the
      // commit, the read starts a new snapshot there and sees what was committed; no commit
      // follows, and none is needed for a read.
      recorded = business.recordedBusMsgIds(busMsgIds.values());
    } catch (RuntimeException e) {
      warn("could not read t_msg_order after the business transaction", busMsgIds.size(), e);
      return;
    }
    Map<Long, String> confirmed = new java.util.HashMap<>();
    Map<Long, String> absent = new java.util.HashMap<>();
    busMsgIds.forEach(
        (id, busMsgId) -> (recorded.contains(busMsgId) ? confirmed : absent).put(id, busMsgId));
    confirm(confirmed, true);
    if (status == TransactionSynchronization.STATUS_COMMITTED) {
      cancel(absent);
    }
  }

  /**
   * Makes PREPARED messages ({@code ids}: message id → business message id) PENDING and hands them
   * to the fast path. With {@code committed}, their business transaction is known to have
   * committed: one cancelled meanwhile (by the check-back, after a transaction longer than its
   * transaction timeout) is made PENDING again and published late, rather than lost.
   */
  void confirm(Map<Long, String> ids, boolean committed) {
    if (ids.isEmpty()) {
      return;
    }
    int revived;
    try {
      revived =
          messageTransaction.execute(
              tx -> {
                int confirmed = messages.confirm(ids, relayDelay);
                return committed && confirmed < ids.size() ? messages.revive(ids) : 0;
              });
    } catch (RuntimeException e) {
      warn("could not confirm", ids.size(), e);
      return;
    }
    if (revived > 0) {
      log.warn(
          "{} message(s) of a committed business transaction had been cancelled (its transaction"
              + " outlasted outbox.relay.check-back.transaction-timeout?): published now, possibly"
              + " after later messages of their keys",
          revived);
    }
    fastPath.publishAfterCommit(List.copyOf(ids.keySet()));
  }

  /** Makes PREPARED messages (message id → business message id) CANCELLED. */
  void cancel(Map<Long, String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    try {
      messageTransaction.executeWithoutResult(tx -> messages.cancel(ids));
    } catch (RuntimeException e) {
      warn("could not cancel", ids.size(), e);
    }
  }

  private void warn(String what, int messages, RuntimeException e) {
    outages.warn(
        what
            + " "
            + messages
            + " message(s): they stay PREPARED until the relay's check-back decides them ("
            + e
            + ")");
  }
}
