package dev.outboxrelay;

import dev.outboxrelay.internal.DatabaseChecks;
import dev.outboxrelay.internal.KafkaRecords;
import dev.outboxrelay.internal.Lanes;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.internal.OutboxWrites;
import dev.outboxrelay.internal.ProducerSettings;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The write path of same-database mode (the article's approach 3): two inserts in the caller's
 * transaction, or in a short own one.
 */
final class SameDatabaseOutbox implements Outbox, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SameDatabaseOutbox.class);

  private volatile boolean afterCompletionLogged;
  private final DataSource dataSource;
  private final OutboxWrites store;
  private final TransactionTemplate ownTransaction;
  private final OutboxSettings settings;
  private final int maxRecordBytes;
  private final FastPath fastPath;
  private final java.time.Duration relayDelay;
  private final DatabaseChecks checks;

  SameDatabaseOutbox(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      OutboxSettings settings,
      FastPath fastPath) {
    this.checks = DatabaseChecks.ofOutboxTables(dataSource);
    CallerTransaction.requireSynchronization(transactionManager);
    this.dataSource = dataSource;
    this.store = new OutboxWrites(dataSource);
    this.ownTransaction = new TransactionTemplate(transactionManager);
    ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    this.settings = settings;
    this.fastPath = fastPath;
    // With a fast path, the relay leaves new rows to it for a moment instead of racing it.
    this.relayDelay =
        fastPath == FastPath.NONE ? java.time.Duration.ZERO : settings.fastPath().relayDelay();
    this.maxRecordBytes = maxRecordBytes(settings);
  }

  /**
   * The largest record the producers accept: {@code outbox.kafka.properties.max.request.size} or
   * Kafka's default. The relay's producer must accept at least as much (docs/service.md, "Size
   * limits, end to end").
   */
  static int maxRecordBytes(OutboxSettings settings) {
    return ProducerSettings.intProperty(
        "outbox.kafka.properties",
        settings.kafka().properties(),
        "max.request.size",
        KafkaRecords.DEFAULT_MAX_REQUEST_SIZE);
  }

  @Override
  public long send(OutboxMessage message) {
    @Nullable String headersJson =
        MessageValidator.validate(message, settings.maxPayloadBytes(), maxRecordBytes);
    checks.runIfPending(); // the database was unreachable at start-up: refuse an old schema now
    ConnectionHolder completing = CallerTransaction.completing(dataSource);
    if (completing != null) {
      return sendAfterCompletion(completing, message, headersJson);
    }
    if (CallerTransaction.active()) {
      CallerTransaction.requireManages(dataSource);
      Object transaction = TransactionSynchronizationManager.getResource(dataSource);
      @Nullable String lockedKey =
          settings.keyOrder() == OutboxSettings.KeyOrder.COMMIT ? message.key() : null;
      if (lockedKey != null) {
        HeldKeys.check(transaction, lockedKey); // before anything is written
      }
      long id;
      try {
        id = write(message, headersJson);
        if (lockedKey != null) {
          HeldKeys.held(transaction, lockedKey);
        }
      } catch (DuplicateMessageReferenceException e) {
        throw e; // refused before anything was written: the transaction stays usable
      } catch (RuntimeException e) {
        throw CallerTransaction.gone(dataSource, "send failed", e);
      }
      // also commits the rows if this runs after the commit, in an afterCommit() callback
      TransactionMessages.add(id, dataSource, fastPath);
      return id;
    }
    // The article's "no transaction: write and deliver at once", still atomic for the two rows.
    if (message.key() != null && settings.keyOrder() == OutboxSettings.KeyOrder.COMMIT) {
      HeldKeys.check(null, message.key()); // e.g. NOT_SUPPORTED inside a transaction that sent it
    }
    Long id = ownTransaction.execute(status -> write(message, headersJson));
    fastPath.publishAfterCommit(List.of(id));
    return id;
  }

  /**
   * {@code send} while a transaction on the outbox's {@code DataSource} completes (its
   * after-completion callbacks, e.g. a {@code @TransactionalEventListener(AFTER_COMMIT)}): that
   * transaction's connection is still bound but will not commit again. The rows are written on it
   * and committed there, in a transaction of their own: no second connection of the pool (with
   * every thread holding one while it waits for another, a busy pool would run dry and the sends
   * fail), and the rows are committed when {@code send} returns. Not atomic with the completed
   * transaction's work: the article's approach 2.
   */
  private long sendAfterCompletion(
      ConnectionHolder completing, OutboxMessage message, @Nullable String headersJson) {
    if (message.key() != null && settings.keyOrder() == OutboxSettings.KeyOrder.COMMIT) {
      HeldKeys.check(null, message.key()); // an outer, suspended transaction that holds it
    }
    if (!afterCompletionLogged) {
      afterCompletionLogged = true;
      log.warn(
          "send called after a transaction completed (e.g. from an AFTER_COMMIT event listener):"
              + " the message is written in a transaction of its own, not atomically with the"
              + " business data; send inside the transaction for that (logged once)");
    }
    long id =
        CallerTransaction.inOwnTransactionOn(completing, "send", () -> write(message, headersJson));
    fastPath.publishAfterCommit(List.of(id));
    return id;
  }

  @Override
  public Optional<DeliveryStatus> deliveryStatus(long messageId) {
    return store.statusOf(messageId).map(status -> DeliveryStatus.valueOf(status.name()));
  }

  private long write(OutboxMessage message, @Nullable String headersJson) {
    long orderId;
    try {
      orderId = store.insertOrder(message.refType(), message.refId());
    } catch (DuplicateKeyException e) {
      throw new DuplicateMessageReferenceException(message.refType(), message.refId(), e);
    }
    if (message.key() != null && settings.keyOrder() == OutboxSettings.KeyOrder.COMMIT) {
      // Before the message gets its id: a writer of the same key waits here until this
      // transaction ends, then gets a larger id, so the key's ids follow commit order.
      store.lockKey(message.key());
    }
    return store.insertMessage(
        row(message, headersJson, orderId, settings), MessageStatus.PENDING, relayDelay);
  }

  /** The {@code t_msg} row of a validated message. */
  static OutboxWrites.NewMessage row(
      OutboxMessage message,
      @Nullable String headersJson,
      @Nullable Long orderId,
      OutboxSettings settings) {
    return new OutboxWrites.NewMessage(
        orderId,
        message.refType(),
        message.refId(),
        message.topic(),
        message.key(),
        message.payload(),
        headersJson,
        Lanes.laneOf(message.key(), settings.lanes()));
  }

  @Override
  public void close() {
    fastPath.close();
  }
}
