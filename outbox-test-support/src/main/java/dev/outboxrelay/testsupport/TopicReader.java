package dev.outboxrelay.testsupport;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads what a topic receives from the moment it was opened: a real consumer with no group, all
 * partitions assigned, read_committed. Polls only inside the bounded waits.
 */
public final class TopicReader implements AutoCloseable {
  private final KafkaConsumer<String, String> consumer;
  private final List<Received> received = new ArrayList<>();

  private TopicReader(String bootstrapServers, String topic, boolean fromBeginning) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // A reader must not create the topic it looks for on a broker that would (tests of who does).
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    consumer = new KafkaConsumer<>(config);
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(info -> new TopicPartition(topic, info.partition()))
            .toList();
    consumer.assign(partitions);
    if (fromBeginning) {
      consumer.seekToBeginning(partitions);
    } else {
      consumer.seekToEnd(partitions);
    }
    partitions.forEach(consumer::position); // resolve the offsets now, not at the first poll
  }

  public static TopicReader fromNow(String bootstrapServers, String topic) {
    return new TopicReader(bootstrapServers, topic, false);
  }

  /** A reader of everything the topic holds, which must exist (the reader never creates it). */
  public static TopicReader fromBeginning(String bootstrapServers, String topic) {
    return new TopicReader(bootstrapServers, topic, true);
  }

  /** Polls until the records received so far match {@code condition}; returns them all. */
  public List<Received> awaitUntil(Predicate<List<Received>> condition, Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(1))
        .until(
            () -> {
              for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                received.add(Received.of(record));
              }
              return condition.test(received);
            });
    return List.copyOf(received);
  }

  /** Polls until a record with header {@code outbox-ref-id = refId} arrived. */
  public List<Received> awaitRefId(String refId, Duration atMost) {
    return awaitUntil(all -> all.stream().anyMatch(r -> refId.equals(r.refId())), atMost);
  }

  /** Polls until at least {@code count} records arrived. */
  public List<Received> awaitCount(int count, Duration atMost) {
    return awaitUntil(all -> all.size() >= count, atMost);
  }

  /**
   * Polls until everything the topic holds now has been read (the end offsets as of this call);
   * returns all records received.
   */
  public List<Received> awaitEnd(Duration atMost) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), atMost);
    return awaitUntil(
        all -> end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue()),
        atMost);
  }

  /** Everything received so far, without polling. */
  public List<Received> received() {
    return List.copyOf(received);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }

  /** A received record, decoded. */
  public record Received(String key, String value, Map<String, String> headers, int partition) {
    static Received of(ConsumerRecord<String, String> record) {
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      for (Header header : record.headers()) {
        headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
      }
      return new Received(record.key(), record.value(), headers, record.partition());
    }

    public String refId() {
      return headers.get("outbox-ref-id");
    }

    /** The {@code outbox-id} header: the message's global id ({@code t_msg.msg_id}). */
    public String outboxId() {
      return headers.get("outbox-id");
    }
  }
}
