package dev.outboxrelay.internal;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The producer settings that the outbox's guarantees rest on, for the fast path and the relay. */
public final class ProducerSettings {
  private ProducerSettings() {}

  /**
   * Puts what no user setting may override into {@code config}: the cluster, idempotence (no
   * duplicates or reordering from the producer's own retries), acks from all in-sync replicas
   * (nothing is marked SENT that a broker failure could lose), and the byte-array serializers of
   * {@link KafkaRecords}.
   */
  public static Map<String, Object> enforce(Map<String, Object> config, String bootstrapServers) {
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }
}
