package dev.outboxrelay.example.points;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes "order placed" events and credits their points through {@link PointsLedger}: one local
 * transaction per polled batch (inbox rows and credits together), offsets committed after it.
 * Delivery is at least once, so an event may come again (a publisher that died between Kafka's ack
 * and its commit, a consumer that died before committing its offsets): the inbox turns it into a
 * counted duplicate.
 *
 * <p>A record that cannot be credited (no dedupe header, a payload that is not such an event) is
 * logged without its payload, counted as rejected and skipped. A database failure rolls the batch
 * back: the consumer seeks back to its first records and tries again after a pause.
 *
 * <p>Counters: {@code points_events_total{outcome="credited|duplicate|rejected"}}.
 */
@Component
public class OrderEventsConsumer implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(OrderEventsConsumer.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration DATABASE_BACKOFF = Duration.ofSeconds(1);

  private final PointsLedger ledger;
  private final PointsProperties properties;
  // A tolerant reader: fields the points service does not need are ignored.
  private final JsonMapper json =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private final Counter credited;
  private final Counter duplicates;
  private final Counter rejected;
  private volatile boolean running;
  private KafkaConsumer<String, byte[]> consumer;
  private Thread thread;

  OrderEventsConsumer(
      PointsLedger ledger, PointsProperties properties, ObjectProvider<MeterRegistry> meters) {
    this.ledger = ledger;
    this.properties = properties;
    MeterRegistry registry = meters.getIfAvailable(SimpleMeterRegistry::new);
    this.credited = counter(registry, "credited");
    this.duplicates = counter(registry, "duplicate");
    this.rejected = counter(registry, "rejected");
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("points.events")
        .description("Order events consumed, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** Counts since start: events credited, duplicates that changed nothing, records rejected. */
  public Stats stats() {
    return new Stats((long) credited.count(), (long) duplicates.count(), (long) rejected.count());
  }

  /** See {@link OrderEventsConsumer#stats()}. */
  public record Stats(long credited, long duplicates, long rejected) {}

  @Override
  public synchronized void start() {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafkaBootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.groupId());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Kafka's default backoff grows to 1 s while the broker is away: after an outage the consumer
    // would fetch again up to 1.2 s after the broker is back, which the demo counts against the
    // delivery of the outage's events.
    config.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 250);
    consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(properties.topic()));
    running = true;
    thread = new Thread(this::run, "points-consumer");
    thread.start();
    log.info("consuming {} as group {}", properties.topic(), properties.groupId());
  }

  private void run() {
    try {
      while (running) {
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty() && !process(records)) {
          pause(DATABASE_BACKOFF);
        }
      }
    } catch (WakeupException stopping) {
      // stop() woke the poll up
    } catch (RuntimeException e) {
      log.error("points consumer stopped: {}", e.toString(), e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /**
   * Credits the batch in one local transaction, then commits its offsets. Returns false when the
   * database failed: every partition is sought back to the batch's first record, to try again.
   */
  private boolean process(ConsumerRecords<String, byte[]> records) {
    List<PointsLedger.Credit> credits = new ArrayList<>(records.count());
    List<String> rejections = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      PointsLedger.Credit credit = toCredit(record, rejections);
      if (credit != null) {
        credits.add(credit);
      }
    }
    List<PointsLedger.Outcome> outcomes;
    try {
      outcomes = credits.isEmpty() ? List.of() : ledger.credit(credits);
    } catch (DataAccessException | TransactionException e) {
      // No connection (TransactionException) or a failed statement: the batch rolled back.
      log.warn(
          "database unavailable, {} records will be processed again: {}",
          records.count(),
          e.getMostSpecificCause().toString());
      for (TopicPartition partition : records.partitions()) {
        consumer.seek(partition, records.records(partition).get(0).offset());
      }
      return false;
    }
    for (int i = 0; i < outcomes.size(); i++) {
      if (outcomes.get(i) == PointsLedger.Outcome.CREDITED) {
        credited.increment();
      } else {
        duplicates.increment();
        log.info(
            "duplicate event {}={} (order {}) ignored",
            properties.dedupeHeader(),
            credits.get(i).messageId(),
            credits.get(i).orderId());
      }
    }
    // Counted once the batch is done: a batch tried again would count its rejections twice.
    rejections.forEach(why -> log.warn("record rejected: {}", why));
    rejected.increment(rejections.size());
    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<String, byte[]>> consumed = records.records(partition);
      next.put(partition, new OffsetAndMetadata(consumed.get(consumed.size() - 1).offset() + 1));
    }
    consumer.commitSync(next);
    return true;
  }

  /** The credit a record asks for, or null when it is rejected (why is added to rejections). */
  private PointsLedger.Credit toCredit(
      ConsumerRecord<String, byte[]> record, List<String> rejections) {
    Header header = record.headers().lastHeader(properties.dedupeHeader());
    if (header == null) {
      reject(record, rejections, "no " + properties.dedupeHeader() + " header");
      return null;
    }
    OrderPlacedEvent event;
    try {
      event =
          record.value() == null ? null : json.readValue(record.value(), OrderPlacedEvent.class);
    } catch (JacksonException e) {
      reject(record, rejections, "payload is not an order-placed JSON event");
      return null;
    }
    String problem = event == null ? "empty payload" : event.problem();
    if (problem != null) {
      reject(record, rejections, problem);
      return null;
    }
    return new PointsLedger.Credit(
        record.topic(),
        new String(header.value(), StandardCharsets.UTF_8),
        event.orderId(),
        event.userId(),
        event.amount());
  }

  private static void reject(
      ConsumerRecord<String, byte[]> record, List<String> rejections, String why) {
    // Where it is and why, never its payload.
    rejections.add(
        record.topic() + "-" + record.partition() + " offset " + record.offset() + ": " + why);
  }

  private void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
