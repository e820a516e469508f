package dev.outboxrelay.example.demo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The demo's own look at topics: a consumer without a group. Not thread-safe. */
final class KafkaTopics implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final KafkaConsumer<byte[], byte[]> consumer;

  KafkaTopics(String bootstrapServers) {
    consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
  }

  KafkaConsumer<byte[], byte[]> consumer() {
    return consumer;
  }

  List<TopicPartition> partitions(String topic) {
    return consumer.partitionsFor(topic, TIMEOUT).stream()
        .map(info -> new TopicPartition(topic, info.partition()))
        .toList();
  }

  /** Records Kafka holds for {@code topic}: the sum of its partitions' end offsets. */
  long records(String topic) {
    return consumer.endOffsets(partitions(topic), TIMEOUT).values().stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  @Override
  public void close() {
    consumer.close(TIMEOUT);
  }
}
