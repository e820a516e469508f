package dev.outboxrelay.boot;

import dev.outboxrelay.OutboxSettings;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code outbox.*} properties, bound by Spring Boot through the constructor and turned into the
 * validated {@link OutboxSettings}, which holds the ranges and checks them. The {@code @param}
 * texts and {@code @DefaultValue}s are what the configuration processor writes into the IDE
 * metadata; a test checks that the defaults equal {@link OutboxSettings#defaults()}.
 *
 * @param enabled Whether to configure the outbox at all.
 * @param mode Where messages are written: same-database (t_msg in the business database, in the
 *     business transaction) or message-store (t_msg in a message database of its own: prepare, then
 *     confirm or cancel after the business transaction).
 * @param defaultTopic The topic of MsgSender.send(msg, refType, refId); required when a bean has a
 *     MsgSender injected.
 * @param maxPayloadBytes The largest payload send accepts, in bytes (1 to 16777215).
 * @param lanes How many lanes message keys are hashed to (1 to 1024); the relay must use the same.
 * @param keyOrder The order of one key's messages: commit (send locks the key until the transaction
 *     ends, so overlapping transactions of a key take turns) or insert (no lock: the order of the
 *     send calls).
 * @param kafka The Kafka cluster of the fast path.
 * @param fastPath Publishing right after commit.
 * @param messageStore Message-store mode: the message database, which holds t_msg.
 * @param checkBackEndpoint The check-back endpoint (message-store mode): answers the relay's
 *     question which business message ids a committed transaction recorded, from t_msg_order.
 */
@ConfigurationProperties("outbox")
record OutboxProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("same-database") OutboxSettings.Mode mode,
    @Nullable String defaultTopic,
    @DefaultValue("1048576") int maxPayloadBytes,
    @DefaultValue("16") int lanes,
    @DefaultValue("commit") OutboxSettings.KeyOrder keyOrder,
    @DefaultValue Kafka kafka,
    @DefaultValue FastPath fastPath,
    @DefaultValue MessageStore messageStore,
    @DefaultValue CheckBackEndpoint checkBackEndpoint) {

  /**
   * The validated settings.
   *
   * @throws dev.outboxrelay.config.InvalidSettingException naming the first bad property
   */
  OutboxSettings toSettings() {
    return OutboxSettings.builder()
        .mode(mode)
        .defaultTopic(defaultTopic)
        .maxPayloadBytes(maxPayloadBytes)
        .lanes(lanes)
        .keyOrder(keyOrder)
        .kafkaBootstrapServers(kafka.bootstrapServers())
        .kafkaProperties(kafka.properties())
        .fastPathEnabled(fastPath.enabled())
        .fastPathThreads(fastPath.threads())
        .fastPathQueueCapacity(fastPath.queueCapacity())
        .fastPathAckTimeout(fastPath.ackTimeout())
        .fastPathRelayDelay(fastPath.relayDelay())
        .build();
  }

  /**
   * The Kafka cluster of the fast path.
   *
   * @param bootstrapServers Bootstrap servers; without them the fast path is off and the relay
   *     delivers.
   * @param properties Further producer properties (TLS, SASL, ...), passed through as given.
   */
  public record Kafka(
      @Nullable String bootstrapServers, @DefaultValue Map<String, String> properties) {}

  /**
   * Publishing right after commit.
   *
   * @param enabled Whether to publish right after commit (needs outbox.kafka.bootstrap-servers).
   * @param threads Publishing threads (1 to 64).
   * @param queueCapacity Committed transactions waiting for the fast path (1 to 1000000); beyond,
   *     the relay.
   * @param ackTimeout How long to wait for Kafka's acks while holding the row locks (100ms to 5m).
   * @param relayDelay How long the relay leaves a new message to the fast path before publishing it
   *     (0 to 1m).
   */
  public record FastPath(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("2") int threads,
      @DefaultValue("10000") int queueCapacity,
      @DefaultValue("10s") Duration ackTimeout,
      @DefaultValue("1s") Duration relayDelay) {}

  /**
   * Message-store mode: the message database, which holds t_msg.
   *
   * @param datasource The message database's connection, used unless the application declares a
   *     DataSource bean named outboxMessageDataSource.
   */
  public record MessageStore(@DefaultValue DataSourceProperties datasource) {}

  /**
   * The message database's connection (message-store mode), used unless the application declares a
   * DataSource bean named outboxMessageDataSource; checked when the pool is built.
   *
   * @param url JDBC URL of the message database, e.g. jdbc:mysql://messages:3306/outbox.
   * @param username User of the message database.
   * @param password Password of the message database.
   * @param maximumPoolSize Connections of the message database's pool (1 to 1000).
   * @param connectionTimeout Longest wait for a connection of the message database (pool and
   *     network connect): with the database away the business call fails after it (250ms to 5m).
   * @param socketTimeout Longest wait for the message database's answer to a statement: with the
   *     database hung, the business call fails after it (100ms to 5m).
   */
  public record DataSourceProperties(
      @Nullable String url,
      @Nullable String username,
      @Nullable String password,
      @DefaultValue("10") int maximumPoolSize,
      @DefaultValue("5s") Duration connectionTimeout,
      @DefaultValue("10s") Duration socketTimeout) {

    /** The password masked: records print their components, and properties end up in logs. */
    @Override
    public String toString() {
      return "DataSourceProperties[url="
          + url
          + ", username="
          + username
          + ", password="
          + (password == null ? null : "******")
          + ", maximumPoolSize="
          + maximumPoolSize
          + ", connectionTimeout="
          + connectionTimeout
          + ", socketTimeout="
          + socketTimeout
          + "]";
    }
  }

  /**
   * The check-back endpoint (message-store mode): answers the relay's question which business
   * message ids a committed transaction recorded, from t_msg_order.
   *
   * @param enabled Whether to serve the check-back endpoint (needs Spring MVC).
   * @param path The endpoint's path; the relay's outbox.relay.check-back.url points at it.
   */
  public record CheckBackEndpoint(
      @DefaultValue("false") boolean enabled, @DefaultValue("/outbox/check-back") String path) {}
}
