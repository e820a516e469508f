package dev.outboxrelay;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outbox configuration: immutable, validated when built. Each setting is named here by its
 * Spring Boot property, which is also how validation errors name it. Plain Spring users declare a
 * bean of this type (or get {@link #defaults()}); Spring Boot users set {@code outbox.*}.
 *
 * @param defaultTopic {@code outbox.default-topic}: the topic of {@link MsgSender}; none by default
 * @param maxPayloadBytes {@code outbox.max-payload-bytes}: the largest payload {@code send}
 *     accepts, 1 to 16,777,215 (the column's capacity); default 1 MiB. Keep it within Kafka's
 *     {@code max.request.size} and the topic's {@code max.message.bytes}.
 * @param lanes {@code outbox.lanes}: how many lanes keys are hashed to, 1 to 1024, default 16. The
 *     relay must be configured with the same number.
 * @param kafkaBootstrapServers {@code outbox.kafka.bootstrap-servers}: the Kafka cluster of the
 *     fast path; without it the fast path is off and the relay delivers every message
 * @param kafkaProperties {@code outbox.kafka.properties.*}: further producer settings (TLS, SASL,
 *     ...), passed through as given
 * @param fastPathEnabled {@code outbox.fast-path.enabled}: publish right after commit; default true
 *     (effective only with bootstrap servers)
 * @param fastPathThreads {@code outbox.fast-path.threads}: publishing threads, 1 to 64, default 2
 * @param fastPathQueueCapacity {@code outbox.fast-path.queue-capacity}: committed transactions
 *     waiting for the fast path, 1 to 1,000,000, default 10,000; beyond it the relay delivers
 * @param fastPathAckTimeout {@code outbox.fast-path.ack-timeout}: how long the fast path waits for
 *     Kafka's acks while it holds the row locks, 100 ms to 5 min, default 10 s
 * @param fastPathRelayDelay {@code outbox.fast-path.relay-delay}: how long the relay leaves a new
 *     message to the fast path before it publishes it itself, 0 to 1 min, default 1 s; without it
 *     relay and fast path race for the newest rows and the relay's poll interval shows in latency
 */
public record OutboxSettings(
    String defaultTopic,
    int maxPayloadBytes,
    int lanes,
    String kafkaBootstrapServers,
    Map<String, String> kafkaProperties,
    boolean fastPathEnabled,
    int fastPathThreads,
    int fastPathQueueCapacity,
    Duration fastPathAckTimeout,
    Duration fastPathRelayDelay) {

  public static final int MAX_PAYLOAD_CAPACITY = 16_777_215;

  public OutboxSettings {
    if (defaultTopic != null) {
      MessageValidator.checkTopic("outbox.default-topic", defaultTopic);
    }
    checkRange("outbox.max-payload-bytes", maxPayloadBytes, 1, MAX_PAYLOAD_CAPACITY);
    checkRange("outbox.lanes", lanes, 1, 1024);
    if (kafkaBootstrapServers != null && kafkaBootstrapServers.isBlank()) {
      kafkaBootstrapServers = null;
    }
    kafkaProperties = Map.copyOf(kafkaProperties == null ? Map.of() : kafkaProperties);
    checkRange("outbox.fast-path.threads", fastPathThreads, 1, 64);
    checkRange("outbox.fast-path.queue-capacity", fastPathQueueCapacity, 1, 1_000_000);
    if (fastPathAckTimeout == null
        || fastPathAckTimeout.compareTo(Duration.ofMillis(100)) < 0
        || fastPathAckTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException(
          "outbox.fast-path.ack-timeout must be between 100ms and 5m, was " + fastPathAckTimeout);
    }
    if (fastPathRelayDelay == null
        || fastPathRelayDelay.isNegative()
        || fastPathRelayDelay.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "outbox.fast-path.relay-delay must be between 0 and 1m, was " + fastPathRelayDelay);
    }
  }

  public static OutboxSettings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether committed messages are published by the fast path (else only by the relay). */
  public boolean fastPathActive() {
    return fastPathEnabled && kafkaBootstrapServers != null;
  }

  @Override
  public String toString() {
    // Producer properties may hold credentials (sasl.jaas.config, ssl passwords): names only.
    return "OutboxSettings[defaultTopic="
        + defaultTopic
        + ", maxPayloadBytes="
        + maxPayloadBytes
        + ", lanes="
        + lanes
        + ", kafkaBootstrapServers="
        + kafkaBootstrapServers
        + ", kafkaProperties="
        + new TreeMap<>(kafkaProperties).keySet()
        + ", fastPathEnabled="
        + fastPathEnabled
        + ", fastPathThreads="
        + fastPathThreads
        + ", fastPathQueueCapacity="
        + fastPathQueueCapacity
        + ", fastPathAckTimeout="
        + fastPathAckTimeout
        + ", fastPathRelayDelay="
        + fastPathRelayDelay
        + "]";
  }

  private static void checkRange(String property, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          property + " must be between " + min + " and " + max + ", was " + value);
    }
  }

  /** Builds {@link OutboxSettings}, starting from the defaults. */
  public static final class Builder {
    private String defaultTopic;
    private int maxPayloadBytes = 1024 * 1024;
    private int lanes = 16;
    private String kafkaBootstrapServers;
    private Map<String, String> kafkaProperties = Map.of();
    private boolean fastPathEnabled = true;
    private int fastPathThreads = 2;
    private int fastPathQueueCapacity = 10_000;
    private Duration fastPathAckTimeout = Duration.ofSeconds(10);
    private Duration fastPathRelayDelay = Duration.ofSeconds(1);

    private Builder() {}

    public Builder defaultTopic(String defaultTopic) {
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

    public Builder kafkaBootstrapServers(String kafkaBootstrapServers) {
      this.kafkaBootstrapServers = kafkaBootstrapServers;
      return this;
    }

    public Builder kafkaProperties(Map<String, String> kafkaProperties) {
      this.kafkaProperties = kafkaProperties;
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

    public OutboxSettings build() {
      return new OutboxSettings(
          defaultTopic,
          maxPayloadBytes,
          lanes,
          kafkaBootstrapServers,
          kafkaProperties,
          fastPathEnabled,
          fastPathThreads,
          fastPathQueueCapacity,
          fastPathAckTimeout,
          fastPathRelayDelay);
    }
  }
}
