package dev.outboxrelay;

import static dev.outboxrelay.config.SettingChecks.range;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.KafkaSettings;
import dev.outboxrelay.config.SettingChecks;
import dev.outboxrelay.internal.TopicNames;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The outbox configuration: immutable, validated when built, with its defaults here and only here
 * ({@link #builder()}). Each setting is named by its Spring Boot property, which is also how
 * validation errors name it: a bad value throws {@link InvalidSettingException}. Plain Spring users
 * declare a bean of this type (or get {@link #defaults()}); Spring Boot users set {@code outbox.*}.
 * {@link #toString()} is the effective configuration as the outbox logs it at start, producer
 * credentials masked.
 *
 * @param mode {@code outbox.mode}: where {@code t_msg} lives, default {@code same-database}
 * @param defaultTopic {@code outbox.default-topic}: the topic of {@link MsgSender}; null (the
 *     default) for none
 * @param maxPayloadBytes {@code outbox.max-payload-bytes}: the largest payload {@code send}
 *     accepts, 1 to 16,777,215 (the column's capacity); default 1 MiB. Keep it within Kafka's
 *     {@code max.request.size} and the topic's {@code max.message.bytes}.
 * @param lanes {@code outbox.lanes}: how many lanes keys are hashed to, 1 to 1024, default 16. The
 *     relay must be configured with the same number.
 * @param keyOrder {@code outbox.key-order}: the order of one key's messages, default {@code commit}
 * @param kafka {@code outbox.kafka.*}: the Kafka cluster of the fast path; without bootstrap
 *     servers (the default) the fast path is off and the relay delivers every message
 * @param fastPath {@code outbox.fast-path.*}: publishing right after commit
 */
public record OutboxSettings(
    Mode mode,
    @Nullable String defaultTopic,
    int maxPayloadBytes,
    int lanes,
    KeyOrder keyOrder,
    KafkaSettings kafka,
    FastPath fastPath) {

  /** The capacity of {@code t_msg.payload} (MEDIUMBLOB), in bytes. */
  public static final int MAX_PAYLOAD_CAPACITY = 16_777_215;

  /**
   * @throws InvalidSettingException naming the first property that is out of range
   */
  public OutboxSettings {
    SettingChecks.required("outbox.mode", mode, "same-database or message-store");
    defaultTopic = SettingChecks.blankToNull(defaultTopic);
    String defaultTopicProblem = defaultTopic == null ? null : TopicNames.problem(defaultTopic);
    if (defaultTopicProblem != null) {
      throw new InvalidSettingException("outbox.default-topic", defaultTopicProblem);
    }
    range("outbox.max-payload-bytes", maxPayloadBytes, 1, MAX_PAYLOAD_CAPACITY);
    range("outbox.lanes", lanes, 1, 1024);
    SettingChecks.required("outbox.key-order", keyOrder, "commit or insert");
    SettingChecks.required("outbox.kafka", kafka, "KafkaSettings.NONE for no fast path");
    SettingChecks.required("outbox.fast-path", fastPath, "FastPath.DEFAULT");
  }

  /** Where the messages ({@code t_msg}) are written, and so what makes them atomic. */
  public enum Mode {
    /**
     * The article's approach 3, the transactional outbox: {@code t_msg} is in the business database
     * and written in the business transaction, so it commits or rolls back with it.
     */
    SAME_DATABASE,
    /**
     * The article's approaches 4 and 5: {@code t_msg} is in a message database of its own (the
     * {@code DataSource} bean named {@value OutboxConfiguration#MESSAGE_DATA_SOURCE}). A message is
     * written PREPARED there in a short transaction of its own ({@link Outbox#send} in the business
     * transaction, or {@link MessageStoreOutbox#prepare} before it), confirmed after the business
     * transaction commits and cancelled after it rolls back; the relay's check-back decides the
     * messages whose confirmation or cancellation was lost. {@code t_msg_order} stays in the
     * business database. One key's messages are published in the order they were prepared: {@link
     * KeyOrder} does not apply.
     */
    MESSAGE_STORE
  }

  /** The order in which one key's messages are published. */
  public enum KeyOrder {
    /**
     * The order in which their transactions commit: {@code send} locks the key (a row of {@code
     * t_msg_key}) until the transaction ends, so transactions that send the same key take turns
     * from their first {@code send} of it to their commit or rollback.
     */
    COMMIT,
    /**
     * The order of their {@code send} calls (ids), with no lock: the same as commit order only when
     * the writers of a key already take turns, e.g. by updating the same business row first.
     */
    INSERT
  }

  /** The defaults: no default topic, no Kafka (so no fast path). */
  public static OutboxSettings defaults() {
    return builder().build();
  }

  /** The effective configuration as properties ({@code outbox.lanes=16, ...}). */
  @Override
  public String toString() {
    return "OutboxSettings[" + SettingChecks.describe("outbox", this) + "]";
  }

  /** Settings starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether committed messages are published by the fast path (else only by the relay). */
  public boolean fastPathActive() {
    return fastPath.enabled() && kafka.bootstrapServers() != null;
  }

  /**
   * {@code outbox.fast-path.*}: publishing right after commit.
   *
   * @param enabled {@code outbox.fast-path.enabled}: default true (effective only with bootstrap
   *     servers)
   * @param threads {@code outbox.fast-path.threads}: publishing threads, 1 to 64, default 2
   * @param queueCapacity {@code outbox.fast-path.queue-capacity}: committed transactions waiting
   *     for the fast path, 1 to 1,000,000, default 10,000; beyond it the relay delivers
   * @param ackTimeout {@code outbox.fast-path.ack-timeout}: how long the fast path waits for
   *     Kafka's acks while it holds the row locks, 100 ms to 5 min, default 10 s
   * @param relayDelay {@code outbox.fast-path.relay-delay}: how long the relay leaves a new message
   *     to the fast path before it publishes it itself, 0 to 1 min, default 1 s; without it relay
   *     and fast path race for the newest rows and the relay's poll interval shows in latency
   */
  public record FastPath(
      boolean enabled, int threads, int queueCapacity, Duration ackTimeout, Duration relayDelay) {
    public static final FastPath DEFAULT =
        new FastPath(true, 2, 10_000, Duration.ofSeconds(10), Duration.ofSeconds(1));

    /**
     * @throws InvalidSettingException naming the first property that is out of range
     */
    public FastPath {
      range("outbox.fast-path.threads", threads, 1, 64);
      range("outbox.fast-path.queue-capacity", queueCapacity, 1, 1_000_000);
      range(
          "outbox.fast-path.ack-timeout",
          ackTimeout,
          Duration.ofMillis(100),
          Duration.ofMinutes(5));
      range("outbox.fast-path.relay-delay", relayDelay, Duration.ZERO, Duration.ofMinutes(1));
    }
  }

  /**
   * Builds {@link OutboxSettings}, starting from the defaults; {@link #build()} validates. Each
   * setter sets the component of the same name (flattened for nested parts: {@code fastPathThreads}
   * is {@code fastPath().threads()}); units, ranges and defaults are given there.
   */
  public static final class Builder {
    private Mode mode = Mode.SAME_DATABASE;
    private @Nullable String defaultTopic;
    private int maxPayloadBytes = 1024 * 1024;
    private int lanes = 16;
    private KeyOrder keyOrder = KeyOrder.COMMIT;
    private @Nullable String kafkaBootstrapServers;
    private Map<String, String> kafkaProperties = Map.of();
    private boolean fastPathEnabled = FastPath.DEFAULT.enabled();
    private int fastPathThreads = FastPath.DEFAULT.threads();
    private int fastPathQueueCapacity = FastPath.DEFAULT.queueCapacity();
    private Duration fastPathAckTimeout = FastPath.DEFAULT.ackTimeout();
    private Duration fastPathRelayDelay = FastPath.DEFAULT.relayDelay();

    private Builder() {}

    public Builder mode(Mode mode) {
      this.mode = mode;
      return this;
    }

    public Builder defaultTopic(@Nullable String defaultTopic) {
      this.defaultTopic = defaultTopic;
      return this;
    }

    public Builder maxPayloadBytes(int maxPayloadBytes) {
      this.maxPayloadBytes = maxPayloadBytes;
      return this;
    }

    public Builder lanes(int lanes) {
      this.lanes = lanes;
      return this;
    }

    public Builder keyOrder(KeyOrder keyOrder) {
      this.keyOrder = keyOrder;
      return this;
    }

    public Builder kafkaBootstrapServers(@Nullable String kafkaBootstrapServers) {
      this.kafkaBootstrapServers = kafkaBootstrapServers;
      return this;
    }

    /** Further producer properties; null for none. */
    public Builder kafkaProperties(@Nullable Map<String, String> kafkaProperties) {
      this.kafkaProperties = SettingChecks.noNulls("outbox.kafka.properties", kafkaProperties);
      return this;
    }

    public Builder fastPathEnabled(boolean fastPathEnabled) {
      this.fastPathEnabled = fastPathEnabled;
      return this;
    }

    public Builder fastPathThreads(int fastPathThreads) {
      this.fastPathThreads = fastPathThreads;
      return this;
    }

    public Builder fastPathQueueCapacity(int fastPathQueueCapacity) {
      this.fastPathQueueCapacity = fastPathQueueCapacity;
      return this;
    }

    public Builder fastPathAckTimeout(Duration fastPathAckTimeout) {
      this.fastPathAckTimeout = fastPathAckTimeout;
      return this;
    }

    public Builder fastPathRelayDelay(Duration fastPathRelayDelay) {
      this.fastPathRelayDelay = fastPathRelayDelay;
      return this;
    }

    /**
     * @throws InvalidSettingException naming the first property that is out of range
     */
    public OutboxSettings build() {
      return new OutboxSettings(
          mode,
          defaultTopic,
          maxPayloadBytes,
          lanes,
          keyOrder,
          new KafkaSettings(kafkaBootstrapServers, kafkaProperties),
          new FastPath(
              fastPathEnabled,
              fastPathThreads,
              fastPathQueueCapacity,
              fastPathAckTimeout,
              fastPathRelayDelay));
    }
  }
}
