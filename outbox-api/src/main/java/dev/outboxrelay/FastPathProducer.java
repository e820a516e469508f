package dev.outboxrelay;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.internal.ProducerSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast path's Kafka producer, configured from {@code outbox.kafka.*} and checked before it is
 * created: short waits (the relay covers for a slow Kafka), and a delivery timeout that bounds how
 * long a row still in flight is kept from the relay ({@link KafkaFastPath}).
 */
final class FastPathProducer {
  // the category of KafkaFastPath, where this warning was logged before it moved here
  private static final Logger log = LoggerFactory.getLogger(KafkaFastPath.class);
  private static final int DEFAULT_MAX_BLOCK_MS = 2_000;
  private static final int DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
  private static final int MAX_DELIVERY_TIMEOUT_MS = 300_000;
  private static final String PROPERTIES = "outbox.kafka.properties";

  private FastPathProducer() {}

  /** The fast path producer's {@code max.block.ms}: 2 s unless the user set it. */
  static Duration maxBlock(OutboxSettings settings) {
    return Duration.ofMillis(
        ProducerSettings.intProperty(
            PROPERTIES,
            settings.kafka().properties(),
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            DEFAULT_MAX_BLOCK_MS));
  }

  /**
   * The fast path's producer: idempotent, acks from all replicas, bounded waits.
   *
   * @throws InvalidSettingException if Kafka refuses {@code outbox.kafka.*}, or as {@link #config}
   */
  static Producer<byte[], byte[]> create(OutboxSettings settings) {
    return ProducerSettings.createProducer("outbox.kafka", config(settings));
  }

  /**
   * The fast path producer's configuration. Its {@code delivery.timeout.ms} bounds how long a row
   * whose record is still in flight after the ack timeout is kept from the relay: by default the
   * ack timeout, at least {@code linger.ms + request.timeout.ms} (as Kafka requires).
   *
   * @throws InvalidSettingException naming {@code outbox.kafka.properties.delivery.timeout.ms} when
   *     it is below {@code linger.ms + request.timeout.ms} or above 5 min, or a timeout that is not
   *     a whole number
   */
  static Map<String, Object> config(OutboxSettings settings) {
    Map<String, String> properties = settings.kafka().properties();
    Map<String, Object> config = new HashMap<>();
    // Defaults the user may override: keep waits short, the relay covers for a slow Kafka.
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, DEFAULT_MAX_BLOCK_MS);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, DEFAULT_REQUEST_TIMEOUT_MS);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "outbox-fast-path");
    config.putAll(properties);
    long minimum =
        (long)
                ProducerSettings.intProperty(
                    PROPERTIES, properties, ProducerConfig.LINGER_MS_CONFIG, 0)
            + ProducerSettings.intProperty(
                PROPERTIES,
                properties,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                DEFAULT_REQUEST_TIMEOUT_MS);
    long delivery =
        ProducerSettings.intProperty(
            PROPERTIES,
            properties,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            (int)
                Math.min(
                    Integer.MAX_VALUE,
                    Math.max(settings.fastPath().ackTimeout().toMillis(), minimum)));
    if (!properties.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)) {
      // the delivery timeout is the fast path's own (the ack timeout): name what the user set
      ProducerSettings.requireFitsDeliveryTimeout(
          PROPERTIES,
          properties,
          config,
          MAX_DELIVERY_TIMEOUT_MS,
          "the longest the fast path allows (a row still in flight waits that long before the"
              + " relay may publish it); lower this");
    }
    if (delivery < minimum || delivery > MAX_DELIVERY_TIMEOUT_MS) {
      throw new InvalidSettingException(
          PROPERTIES + "." + ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
          "must be between linger.ms + request.timeout.ms ("
              + minimum
              + ") and "
              + MAX_DELIVERY_TIMEOUT_MS
              + " (5 min): a row still in flight after the ack timeout waits that long (and"
              + " request.timeout.ms) before the relay may publish it; was "
              + delivery);
    }
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
    String bootstrapServers =
        java.util.Objects.requireNonNull(settings.kafka().bootstrapServers(), "fast path is off");
    ProducerSettings.enforce(config, bootstrapServers);
    List<String> overridden = ProducerSettings.overridden(properties, config);
    if (!overridden.isEmpty()) {
      log.warn(
          "{}: {} ignored; the outbox sets these itself (docs/service.md, What send does)",
          PROPERTIES,
          overridden);
    }
    return config;
  }
}
