package dev.outboxrelay;

import dev.outboxrelay.internal.KafkaRecords;
import dev.outboxrelay.internal.Lanes;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.internal.OutboxStore;
import dev.outboxrelay.internal.SupportedDatabase;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The write path over JDBC: two inserts in the caller's transaction, or in a short own one. */
final class JdbcOutbox implements Outbox, AutoCloseable {
  private final DataSource dataSource;
  private final OutboxStore store;
  private final TransactionTemplate ownTransaction;
  private final OutboxSettings settings;
  private final int maxRecordBytes;
  private final FastPath fastPath;
  private final java.time.Duration relayDelay;

  JdbcOutbox(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      OutboxSettings settings,
      FastPath fastPath) {
    SupportedDatabase.check(dataSource);
    this.dataSource = dataSource;
    this.store = new OutboxStore(dataSource);
    this.ownTransaction = new TransactionTemplate(transactionManager);
    this.settings = settings;
    this.fastPath = fastPath;
    // With a fast path, the relay leaves new rows to it for a moment instead of racing it.
    this.relayDelay =
        fastPath == FastPath.NONE ? java.time.Duration.ZERO : settings.fastPath().relayDelay();
    this.maxRecordBytes = maxRecordBytes(settings);
  }

  /**
   * The largest record the producers accept: {@code outbox.kafka.properties.max.request.size} or
   * Kafka's default. The relay's producer must accept at least as much (README, "Size limits").
   */
  static int maxRecordBytes(OutboxSettings settings) {
    String configured = settings.kafka().properties().get("max.request.size");
    if (configured == null) {
      return KafkaRecords.DEFAULT_MAX_REQUEST_SIZE;
    }
    try {
      return Integer.parseInt(configured.trim());
    } catch (NumberFormatException e) {
      throw new dev.outboxrelay.config.InvalidSettingException(
          "outbox.kafka.properties.max.request.size", "must be a whole number of bytes");
    }
  }

  @Override
  public long send(OutboxMessage message) {
    String headersJson =
        MessageValidator.validate(message, settings.maxPayloadBytes(), maxRecordBytes);
    if (TransactionSynchronizationManager.isActualTransactionActive()) {
      requireTransactionalConnection();
      long id = write(message, headersJson);
      AfterCommitHandoff.register(id, fastPath);
      return id;
    }
    // The article's "no transaction: write and deliver at once", still atomic for the two rows.
    Long id = ownTransaction.execute(status -> write(message, headersJson));
    fastPath.publishAfterCommit(List.of(id));
    return id;
  }

  @Override
  public Optional<DeliveryStatus> deliveryStatus(long messageId) {
    return store.statusOf(messageId).map(status -> DeliveryStatus.valueOf(status.name()));
  }

  private long write(OutboxMessage message, String headersJson) {
    long orderId;
    try {
      orderId = store.insertOrder(message.refType(), message.refId());
    } catch (DuplicateKeyException e) {
      throw new DuplicateMessageReferenceException(message.refType(), message.refId(), e);
    }
    return store.insertMessage(
        new OutboxStore.NewMessage(
            orderId,
            message.refType(),
            message.refId(),
            message.topic(),
            message.key(),
            message.payload(),
            headersJson,
            Lanes.laneOf(message.key(), settings.lanes())),
        MessageStatus.PENDING,
        relayDelay);
  }

  /**
   * A transaction is active, but is it one on our DataSource? If not, the rows would commit on
   * their own, even when the business transaction rolls back: refuse instead.
   */
  private void requireTransactionalConnection() {
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      if (!DataSourceUtils.isConnectionTransactional(connection, dataSource)) {
        throw new IllegalStateException(
            "the active transaction does not manage the outbox's DataSource, so the message would"
                + " commit independently of it: use a transaction manager for that DataSource"
                + " (e.g. DataSourceTransactionManager)");
      }
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }

  @Override
  public void close() {
    fastPath.close();
  }
}
