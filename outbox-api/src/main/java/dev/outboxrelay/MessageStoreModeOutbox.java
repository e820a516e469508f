package dev.outboxrelay;

import dev.outboxrelay.internal.DatabaseChecks;
import dev.outboxrelay.internal.MessageStoreDecisions;
import dev.outboxrelay.internal.OutboxWrites;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The write path of message-store mode (the article's approaches 4 and 5): {@code t_msg_order} in
 * the business database and transaction, the message PREPARED in the message database in a short
 * transaction of its own, decided after the business transaction by {@link ConfirmAfterCompletion}.
 */
final class MessageStoreModeOutbox implements MessageStoreOutbox, AutoCloseable {
  private final DataSource businessDataSource;
  private final DatabaseChecks businessChecks;
  private final DatabaseChecks messageChecks;
  private final OutboxWrites business;
  private final OutboxWrites messages;
  private final TransactionTemplate businessTransaction;
  private final TransactionTemplate messageTransaction;
  private final OutboxSettings settings;
  private final int maxRecordBytes;
  private final FastPath fastPath;
  private final MessageDecisions decisions;

  /**
   * @param messageTransactions the message database's transaction manager, in which each prepare,
   *     confirm and cancel commits on its own
   */
  MessageStoreModeOutbox(
      DataSource businessDataSource,
      PlatformTransactionManager businessTransactions,
      DataSource messageDataSource,
      DataSourceTransactionManager messageTransactions,
      OutboxSettings settings,
      FastPath fastPath) {
    this.businessChecks = DatabaseChecks.ofBusinessTables(businessDataSource);
    CallerTransaction.requireSynchronization(businessTransactions);
    this.messageChecks = DatabaseChecks.ofOutboxTables(messageDataSource);
    this.businessDataSource = businessDataSource;
    this.business = new OutboxWrites(businessDataSource);
    this.messages = new OutboxWrites(messageDataSource);
    // the article's REQUIRES_NEW: the message commits in the message database at once, whatever
    // the business transaction does next
    this.businessTransaction = requiresNew(businessTransactions);
    this.messageTransaction = requiresNew(messageTransactions);
    this.settings = settings;
    this.fastPath = fastPath;
    this.maxRecordBytes = SameDatabaseOutbox.maxRecordBytes(settings);
    // With a fast path, the relay leaves confirmed rows to it for a moment instead of racing it.
    Duration relayDelay =
        fastPath == FastPath.NONE ? Duration.ZERO : settings.fastPath().relayDelay();
    this.decisions =
        new MessageDecisions(
            new MessageStoreDecisions(businessDataSource),
            new MessageStoreDecisions(messageDataSource),
            messageTransaction,
            fastPath,
            relayDelay);
  }

  private static TransactionTemplate requiresNew(PlatformTransactionManager transactions) {
    TransactionTemplate template = new TransactionTemplate(transactions);
    template.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    return template;
  }

  @Override
  public long send(OutboxMessage message) {
    @Nullable String headersJson =
        MessageValidator.validate(message, settings.maxPayloadBytes(), maxRecordBytes);
    runPendingChecks();
    if (!CallerTransaction.active()) {
      return enlist(prepare(message, headersJson, null, newBusMsgId()));
    }
    CallerTransaction.requireManages(businessDataSource);
    String busMsgId = newBusMsgId();
    long orderId;
    try {
      orderId = recordOrder(message.refType(), message.refId(), busMsgId);
    } catch (DuplicateMessageReferenceException e) {
      throw e; // refused before anything was written: the transaction stays usable
    } catch (RuntimeException e) {
      throw CallerTransaction.gone(businessDataSource, "send failed", e);
    }
    long id;
    try {
      id = prepare(message, headersJson, orderId, busMsgId).messageId();
    } catch (RuntimeException e) {
      // t_msg_order is written: were the transaction to commit, its message would be missing
      throw CallerTransaction.gone(
          businessDataSource, "the message store could not prepare the message", e);
    }
    ConfirmAfterCompletion.register(decisions, businessDataSource, id, busMsgId);
    return id;
  }

  @Override
  public PreparedMessage prepare(OutboxMessage message) {
    @Nullable String headersJson =
        MessageValidator.validate(message, settings.maxPayloadBytes(), maxRecordBytes);
    runPendingChecks();
    return prepare(message, headersJson, null, newBusMsgId());
  }

  private PreparedMessage prepare(
      OutboxMessage message,
      @Nullable String headersJson,
      @Nullable Long orderId,
      String busMsgId) {
    OutboxWrites.NewMessage row = SameDatabaseOutbox.row(message, headersJson, orderId, settings);
    Long id = messageTransaction.execute(status -> messages.insertPrepared(row, busMsgId));
    return new PreparedMessage(id, busMsgId, message.refType(), message.refId());
  }

  @Override
  public long enlist(PreparedMessage message) {
    java.util.Objects.requireNonNull(message, "message");
    runPendingChecks();
    ConnectionHolder completing = CallerTransaction.completing(businessDataSource);
    if (completing != null) {
      // while a business transaction completes (e.g. an AFTER_COMMIT listener): on its connection,
      // never a second one of the business pool (SameDatabaseOutbox#sendAfterCompletion)
      try {
        CallerTransaction.inOwnTransactionOn(
            completing,
            "enlist",
            () -> recordOrder(message.refType(), message.refId(), message.busMsgId()));
      } catch (RuntimeException e) {
        cancelUnlessRecorded(message);
        throw e;
      }
      decisions.confirm(Map.of(message.messageId(), message.busMsgId()), true);
      return message.messageId();
    }
    if (!CallerTransaction.active()) {
      try {
        businessTransaction.executeWithoutResult(
            status -> recordOrder(message.refType(), message.refId(), message.busMsgId()));
      } catch (RuntimeException e) {
        cancelUnlessRecorded(message);
        throw e;
      }
      decisions.confirm(Map.of(message.messageId(), message.busMsgId()), true);
      return message.messageId();
    }
    CallerTransaction.requireManages(businessDataSource);
    try {
      recordOrder(message.refType(), message.refId(), message.busMsgId());
    } catch (DuplicateMessageReferenceException e) {
      cancelUnlessRecorded(message);
      throw e;
    } catch (RuntimeException e) {
      throw CallerTransaction.gone(businessDataSource, "enlist failed", e);
    }
    ConfirmAfterCompletion.register(
        decisions, businessDataSource, message.messageId(), message.busMsgId());
    return message.messageId();
  }

  /**
   * After a failed enlist: cancels the message at once unless the {@code t_msg_order} row of its
   * reference carries its business message id after all (this very message enlisted before, here or
   * by a transaction that committed; or a commit whose outcome was lost): that one decides it. The
   * row is read with a lock on it alone (it exists, or the insert would not have failed as a
   * duplicate), so the caller's transaction holds no gap lock that would stall other writers. When
   * even that cannot be asked, the message stays PREPARED for the check-back.
   */
  private void cancelUnlessRecorded(PreparedMessage message) {
    boolean recorded;
    try {
      java.util.function.Supplier<Boolean> ask =
          () ->
              business
                  .busMsgIdOfReference(message.refType(), message.refId())
                  .filter(message.busMsgId()::equals)
                  .isPresent();
      ConnectionHolder completing = CallerTransaction.completing(businessDataSource);
      if (completing != null) {
        // no second business connection while a transaction completes: a full pool would make
        // this ask fail and leave the message PREPARED
        recorded = CallerTransaction.inOwnTransactionOn(completing, "enlist", ask);
      } else {
        recorded =
            CallerTransaction.active()
                ? ask.get()
                : Boolean.TRUE.equals(businessTransaction.execute(tx -> ask.get()));
      }
    } catch (RuntimeException e) {
      return;
    }
    if (!recorded) {
      decisions.cancel(Map.of(message.messageId(), message.busMsgId()));
    }
  }

  /**
   * Inserts {@code t_msg_order} with the business message id, in the current transaction.
   *
   * @throws DuplicateMessageReferenceException if the reference has a message already; nothing was
   *     written and a transaction stays usable
   */
  private long recordOrder(int refType, String refId, String busMsgId) {
    try {
      return business.insertOrder(refType, refId, busMsgId);
    } catch (DuplicateKeyException e) {
      throw new DuplicateMessageReferenceException(refType, refId, e);
    }
  }

  /** A new global business message id: a random (version 4) UUID, 36 characters. */
  private static String newBusMsgId() {
    return UUID.randomUUID().toString();
  }

  /** A database unreachable at start-up is checked before its first use (an old schema refused). */
  private void runPendingChecks() {
    businessChecks.runIfPending();
    messageChecks.runIfPending();
  }

  @Override
  public Optional<DeliveryStatus> deliveryStatus(long messageId) {
    return messages.statusOf(messageId).map(status -> DeliveryStatus.valueOf(status.name()));
  }

  @Override
  public void close() {
    fastPath.close();
  }
}
