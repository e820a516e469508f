package dev.outboxrelay.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * A real consumer on its own thread, reading a topic from the moment it was opened (all partitions
 * assigned, no group): for every record it notes when it arrived ({@code System.nanoTime()} right
 * after the poll returned) under its {@code outbox-id} header, and counts duplicates. Or, given
 * {@link Arrivals}, hands every record with its arrival time to them and keeps nothing itself (a
 * run of minutes would otherwise hold every id).
 */
final class TopicConsumer implements AutoCloseable {
  /** Told of every record as it arrives, on the consumer's thread. */
  interface Arrivals {
    void arrived(ConsumerRecord<byte[], byte[]> record, long nanos);
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final ConcurrentMap<String, Long> firstSeenNanos = new ConcurrentHashMap<>();
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private volatile boolean running = true;
  private volatile Throwable failure;
  private final @Nullable Arrivals arrivals;

  TopicConsumer(String bootstrapServers, String topic) {
    this(bootstrapServers, topic, null);
  }

  /**
   * @param arrivals given: every record goes to them, and {@link #distinct}, {@link #firstSeen} and
   *     {@link #duplicates} count nothing
   */
  TopicConsumer(String bootstrapServers, String topic, @Nullable Arrivals arrivals) {
    this.arrivals = arrivals;
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-consumer");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    // The broker answers a fetch as soon as one byte is there; this only bounds an idle wait.
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    consumer = new KafkaConsumer<>(config);
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(info -> new TopicPartition(topic, info.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    thread = new Thread(this::run, "bench-consumer-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
        long now = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
          records.incrementAndGet();
          if (arrivals != null) {
            arrivals.arrived(record, now);
            continue;
          }
          Header id = record.headers().lastHeader("outbox-id");
          if (id == null) {
            continue;
          }
          String outboxId = new String(id.value(), StandardCharsets.US_ASCII);
          if (firstSeenNanos.putIfAbsent(outboxId, now) != null) {
            duplicates.incrementAndGet();
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Throwable t) {
      failure = t;
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
    }
  }

  /**
   * @throws IllegalStateException if the consumer's thread failed
   */
  void requireRunning() {
    if (failure != null) {
      throw new IllegalStateException("consumer failed: " + failure, failure);
    }
  }

  long records() {
    return records.get();
  }

  long duplicates() {
    return duplicates.get();
  }

  /** When the record with this outbox id first arrived, or null. */
  Long firstSeen(String outboxId) {
    return firstSeenNanos.get(outboxId);
  }

  /** Distinct outbox ids received so far. */
  long distinct() {
    return firstSeenNanos.size();
  }

  /**
   * Waits until records with at least {@code count} distinct outbox ids arrived (duplicates do not
   * count); false on timeout.
   */
  boolean awaitDistinct(long count, Duration atMost) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (firstSeenNanos.size() < count) {
      if (failure != null) {
        throw new IllegalStateException("consumer failed: " + failure, failure);
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }

  /** The arrival times of the distinct records, ascending. */
  long[] sortedArrivals() {
    long[] arrivals = firstSeenNanos.values().stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(arrivals);
    return arrivals;
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
