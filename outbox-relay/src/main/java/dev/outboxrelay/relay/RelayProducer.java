package dev.outboxrelay.relay;

import dev.outboxrelay.internal.ProducerSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's Kafka producer configuration, from {@code outbox.relay.*}: the relay's defaults, the
 * user's {@code outbox.relay.kafka.properties}, then what the relay enforces and checks.
 */
final class RelayProducer {
  // the category of OutboxRelay, where this warning was logged before it moved here
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

  private RelayProducer() {}

  /** The relay's producer: idempotent, acks from all in-sync replicas, waits bounded. */
  static Map<String, Object> config(RelaySettings settings) {
    Map<String, Object> config = new HashMap<>();
    long sendTimeout = settings.sendTimeout().toMillis();
    // Defaults the user may override with outbox.relay.kafka.properties.*
    // Each round waits for its acks: a long linger would be waited out once per round. Under load
    // the producer batches anyway, while its sender is busy.
    config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, sendTimeout - 10));
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "outbox-relay-" + settings.instanceId());
    // Kafka's default backoff grows to 1 s during an outage: the first round after the probe sees
    // the broker again would wait up to that long (and 20 % jitter) for the connection.
    config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, KafkaProbe.RECONNECT_BACKOFF_MAX_MS);
    config.putAll(settings.kafka().properties());
    ProducerSettings.enforce(config, settings.bootstrapServers());
    // A missing topic or slow metadata fetch fails that topic's rows after max-block, not the
    // batch.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.maxBlock().toMillis());
    // A record outlives its round by at most the time its sends took (a round that stopped waiting
    // puts its rows off until this and the request timeout have passed since the send,
    // InFlightRows).
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) sendTimeout);
    ProducerSettings.requireFitsDeliveryTimeout(
        "outbox.relay.kafka.properties",
        settings.kafka().properties(),
        config,
        sendTimeout,
        "it is outbox.relay.send-timeout; lower this or raise the send-timeout");
    List<String> overridden = ProducerSettings.overridden(settings.kafka().properties(), config);
    if (!overridden.isEmpty()) {
      log.warn(
          "outbox.relay.kafka.properties: {} ignored; the relay sets these itself (docs/relay.md,"
              + " Run it)",
          overridden);
    }
    return config;
  }
}
