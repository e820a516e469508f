package dev.outboxrelay.relay;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The relay's configuration: immutable and validated when built; a bad value fails with one line
 * that names the property ({@code outbox.relay.*}) and what is allowed, never silently clamped. The
 * properties, their defaults and meaning are declared in {@code OutboxRelayProperties}.
 */
public record RelaySettings(
    String kafkaBootstrapServers,
    Map<String, String> kafkaProperties,
    int lanes,
    int workers,
    int batchSize,
    Duration pollInterval,
    Duration sendTimeout,
    Duration maxBlock,
    int maxAttempts,
    Duration backoffInitial,
    Duration backoffMax,
    double backoffMultiplier,
    double backoffJitter,
    OnAck onAck,
    String deadLetterTopic,
    Duration leaseDuration,
    Duration retention,
    Duration purgeInterval,
    int purgeBatchSize,
    Duration gaugeInterval,
    Duration shutdownTimeout,
    String instanceId) {

  /** What happens to a row once Kafka acknowledged it. */
  public enum OnAck {
    /** Keep it as SENT until housekeeping purges it after the retention. */
    MARK_SENT,
    /** Delete it at once. */
    DELETE
  }

  public RelaySettings {
    if (kafkaBootstrapServers == null || kafkaBootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "outbox.relay.kafka.bootstrap-servers must be set (host:port[,host:port...])");
    }
    kafkaProperties = Map.copyOf(kafkaProperties == null ? Map.of() : kafkaProperties);
    range("outbox.relay.lanes", lanes, 1, 1024);
    range("outbox.relay.workers", workers, 1, 64);
    range("outbox.relay.batch-size", batchSize, 1, 10_000);
    range("outbox.relay.poll-interval", pollInterval, Duration.ofMillis(1), Duration.ofMinutes(1));
    range("outbox.relay.send-timeout", sendTimeout, Duration.ofSeconds(1), Duration.ofMinutes(5));
    range("outbox.relay.max-block", maxBlock, Duration.ofMillis(100), Duration.ofMinutes(1));
    range("outbox.relay.max-attempts", maxAttempts, 1, 1_000_000);
    range(
        "outbox.relay.backoff.initial", backoffInitial, Duration.ofMillis(1), Duration.ofHours(1));
    range("outbox.relay.backoff.max", backoffMax, backoffInitial, Duration.ofDays(1));
    if (!(backoffMultiplier >= 1.0 && backoffMultiplier <= 10.0)) {
      throw new IllegalArgumentException(
          "outbox.relay.backoff.multiplier must be between 1.0 and 10.0, was " + backoffMultiplier);
    }
    if (!(backoffJitter >= 0.0 && backoffJitter <= 1.0)) {
      throw new IllegalArgumentException(
          "outbox.relay.backoff.jitter must be between 0.0 and 1.0, was " + backoffJitter);
    }
    Objects.requireNonNull(onAck, "outbox.relay.on-ack must be mark-sent or delete");
    if (deadLetterTopic != null && deadLetterTopic.isBlank()) {
      deadLetterTopic = null;
    }
    range(
        "outbox.relay.lease-duration",
        leaseDuration,
        Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    if (sendTimeout.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException(
          "outbox.relay.send-timeout ("
              + format(sendTimeout)
              + ") must be shorter than outbox.relay.lease-duration ("
              + format(leaseDuration)
              + "): a lane's batch has to finish within its lease");
    }
    range("outbox.relay.retention", retention, Duration.ofMinutes(1), Duration.ofDays(3650));
    range("outbox.relay.purge.interval", purgeInterval, Duration.ofSeconds(1), Duration.ofDays(1));
    range("outbox.relay.purge.batch-size", purgeBatchSize, 1, 100_000);
    range("outbox.relay.gauge-interval", gaugeInterval, Duration.ofSeconds(1), Duration.ofHours(1));
    range("outbox.relay.shutdown-timeout", shutdownTimeout, Duration.ZERO, Duration.ofMinutes(10));
    if (instanceId == null || instanceId.isBlank() || instanceId.length() > 200) {
      throw new IllegalArgumentException(
          "outbox.relay.instance-id must be 1 to 200 characters, was '" + instanceId + "'");
    }
  }

  private static void range(String property, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          property + " must be between " + min + " and " + max + ", was " + value);
    }
  }

  private static void range(String property, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          property
              + " must be between "
              + format(min)
              + " and "
              + format(max)
              + ", was "
              + (value == null ? "null" : format(value)));
    }
  }

  /** A duration as a property would be written: 100ms, 30s, 5m, 2h, 7d. */
  static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0 || millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds % 60 != 0) {
      return seconds + "s";
    }
    if (seconds % 3600 != 0) {
      return seconds / 60 + "m";
    }
    return seconds % 86400 != 0 ? seconds / 3600 + "h" : seconds / 86400 + "d";
  }

  @Override
  public String toString() {
    // Producer properties may hold credentials (sasl.jaas.config, ssl passwords): names only.
    return "RelaySettings[bootstrapServers="
        + kafkaBootstrapServers
        + ", kafkaProperties="
        + new TreeMap<>(kafkaProperties).keySet()
        + ", lanes="
        + lanes
        + ", workers="
        + workers
        + ", batchSize="
        + batchSize
        + ", pollInterval="
        + pollInterval
        + ", sendTimeout="
        + sendTimeout
        + ", maxBlock="
        + maxBlock
        + ", maxAttempts="
        + maxAttempts
        + ", backoff="
        + backoffInitial
        + ".."
        + backoffMax
        + " x"
        + backoffMultiplier
        + " jitter "
        + backoffJitter
        + ", onAck="
        + onAck
        + ", deadLetterTopic="
        + deadLetterTopic
        + ", leaseDuration="
        + leaseDuration
        + ", retention="
        + retention
        + ", instanceId="
        + instanceId
        + "]";
  }
}
