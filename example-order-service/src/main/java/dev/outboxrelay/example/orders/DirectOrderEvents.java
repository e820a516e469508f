package dev.outboxrelay.example.orders;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The article's approaches 1 and 2, for the demo only: the event is sent straight to Kafka, inside
 * the transaction ({@link Publishing#IN_TRANSACTION}) or after the commit ({@link
 * Publishing#AFTER_COMMIT}), with an idempotent producer that waits for {@code acks=all}. Without
 * an outbox id, records carry the header {@value #EVENT_ID_HEADER} ({@code order-<id>}) for the
 * consumer's dedupe.
 */
final class DirectOrderEvents implements OrderEvents, AutoCloseable {
  static final String EVENT_ID_HEADER = "event-id";
  private static final Logger log = LoggerFactory.getLogger(DirectOrderEvents.class);
  // Short, so that an order of approach 1 fails within seconds while Kafka is down.
  private static final int DELIVERY_TIMEOUT_MS = 3000;

  private final Publishing publishing;
  private final String topic;
  private final JsonMapper json;
  private final KafkaProducer<String, byte[]> producer;

  DirectOrderEvents(Publishing publishing, String topic, String bootstrapServers, JsonMapper json) {
    this.publishing = publishing;
    this.topic = topic;
    this.json = json;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.LINGER_MS_CONFIG,
                0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                1000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                1000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                DELIVERY_TIMEOUT_MS,
                ProducerConfig.CLIENT_ID_CONFIG,
                "order-service-" + publishing.name().toLowerCase()),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  @Override
  public Long inTransaction(OrderPlaced event) {
    if (publishing == Publishing.IN_TRANSACTION) {
      send(event);
    }
    return null;
  }

  @Override
  public void afterCommit(OrderPlaced event) {
    if (publishing != Publishing.AFTER_COMMIT) {
      return;
    }
    try {
      send(event);
    } catch (EventNotPublishedException e) {
      // Approach 2's flaw: the order is committed, its event is gone.
      log.warn("event of committed order {} lost: {}", event.orderId(), e.getCause().toString());
    }
  }

  private void send(OrderPlaced event) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, event.userId(), json.writeValueAsBytes(event));
    record
        .headers()
        .add(EVENT_ID_HEADER, ("order-" + event.orderId()).getBytes(StandardCharsets.UTF_8));
    try {
      producer.send(record).get(DELIVERY_TIMEOUT_MS + 1000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EventNotPublishedException(event.orderId(), e);
    } catch (ExecutionException e) {
      throw new EventNotPublishedException(event.orderId(), e.getCause());
    } catch (TimeoutException | RuntimeException e) {
      throw new EventNotPublishedException(event.orderId(), e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
