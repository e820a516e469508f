package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The batch publisher's outcomes, with Kafka's own MockProducer: no server needed. */
class BatchPublisherTests {
  private static final Duration BOUND = Duration.ofSeconds(10);

  @Test
  void acknowledgedRowsAreReportedInTheOrderSentWithTheirHeaders() {
    MockProducer<byte[], byte[]> producer = producer(true);

    BatchPublisher.Outcome outcome =
        new BatchPublisher(producer, BOUND, Duration.ZERO)
            .publish(List.of(row(1, "t"), row(2, "t")));

    assertThat(outcome.ackedIds()).containsExactly(1L, 2L);
    assertThat(outcome.failed()).isEmpty();
    assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("t", "t");
    assertThat(new String(producer.history().get(0).headers().lastHeader("outbox-id").value()))
        .isEqualTo("m1");
  }

  /** A row that fails for good never reaches the topic: its key's later rows are published. */
  @Test
  void aRowKafkaRefusesFailsAloneWithItsError() {
    MockProducer<byte[], byte[]> producer = producer(false);
    CompletableFuture<BatchPublisher.Outcome> publishing =
        CompletableFuture.supplyAsync(
            () ->
                new BatchPublisher(producer, BOUND, Duration.ZERO)
                    .publish(List.of(row(1, "t", "k"), row(2, "t", "k"), row(3, "t", "k"))));
    await().atMost(BOUND).until(() -> producer.history().size() == 3);

    producer.completeNext();
    producer.errorNext(new RecordTooLargeException("too large"));
    producer.completeNext();
    BatchPublisher.Outcome outcome = publishing.join();

    assertThat(outcome.ackedIds()).containsExactly(1L, 3L);
    assertThat(outcome.failed()).hasSize(1);
    assertThat(outcome.failed().get(0).row().id()).isEqualTo(2L);
    assertThat(outcome.failed().get(0).error()).isInstanceOf(RecordTooLargeException.class);
  }

  @Test
  void aRowThatCannotBecomeARecordFailsAloneAndTheRestIsSent() {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            if (new String(record.value()).equals("unserializable")) {
              throw new SerializationException("cannot serialize");
            }
            return super.send(record);
          }
        };
    OutboxRow defective =
        new OutboxRow(
            2, "m2", 1, "r2", "t", "k", new byte[0], Map.of(), 0, 0, Instant.now(), "bad headers");
    OutboxRow unserializable =
        new OutboxRow(
            3,
            "m3",
            1,
            "r3",
            "t",
            "k",
            "unserializable".getBytes(),
            Map.of(),
            0,
            0,
            Instant.now(),
            null);

    BatchPublisher.Outcome outcome =
        new BatchPublisher(producer, BOUND, Duration.ZERO)
            .publish(List.of(row(1, "t"), defective, unserializable, row(4, "t")));

    assertThat(outcome.ackedIds()).containsExactly(1L, 4L);
    assertThat(outcome.failed())
        .extracting(f -> f.row().id(), f -> f.error().getClass())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2L, UnpublishableMessageException.class),
            org.assertj.core.groups.Tuple.tuple(3L, SerializationException.class));
    assertThat(outcome.failed().get(0).error()).hasMessage("bad headers");
  }

  @Test
  void rowsWithoutAnAckWithinTheTimeoutAreStillInFlightWithTheirSends() {
    MockProducer<byte[], byte[]> producer = producer(false);

    BatchPublisher.Outcome outcome =
        new BatchPublisher(producer, Duration.ofMillis(100), Duration.ZERO)
            .publish(List.of(row(1, "t")));

    assertThat(outcome.acked()).isEmpty();
    assertThat(outcome.failed()).isEmpty();
    assertThat(outcome.nothingAcked()).isTrue();
    BatchPublisher.InFlight inFlight = outcome.inFlight().get(0);
    assertThat(inFlight.row().id()).isEqualTo(1L);
    assertThat(inFlight.error()).hasMessage("no acknowledgement from Kafka within 100 ms");
    // the producer still holds the record: its late acknowledgement completes the send
    assertThat(inFlight.ack()).isNotDone();
    producer.completeNext();
    assertThat(inFlight.ack()).isDone();
  }

  @Test
  void aRecordTheProducerGaveUpOnAfterSendingItIsInFlightNotFailed() {
    MockProducer<byte[], byte[]> producer = producer(false);
    CompletableFuture<BatchPublisher.Outcome> publishing =
        CompletableFuture.supplyAsync(
            () ->
                new BatchPublisher(producer, BOUND, Duration.ZERO)
                    .publish(List.of(row(1, "t"), row(2, "t"))));
    await().atMost(BOUND).until(() -> producer.history().size() == 2);

    // a request or delivery timeout: the broker may still hold the request and append it later
    producer.errorNext(new TimeoutException("Expiring 1 record(s): 2000 ms has passed"));
    producer.errorNext(new RecordTooLargeException("too large"));
    BatchPublisher.Outcome outcome = publishing.join();

    assertThat(outcome.inFlight()).extracting(f -> f.row().id()).containsExactly(1L);
    assertThat(outcome.failed()).extracting(f -> f.row().id()).containsExactly(2L);
  }

  @Test
  void aTopicWhoseSendFailsAtOnceFailsItsOtherRowsWithoutSendingThem() {
    MockProducer<byte[], byte[]> producer = missingTopicProducer();

    BatchPublisher.Outcome outcome =
        new BatchPublisher(producer, BOUND, Duration.ZERO)
            .publish(List.of(row(1, "missing"), row(2, "t"), row(3, "missing")));

    assertThat(outcome.ackedIds()).containsExactly(2L);
    assertThat(outcome.failed()).extracting(failure -> failure.row().id()).containsExactly(1L, 3L);
    assertThat(outcome.failed()).allMatch(failure -> failure.error() instanceof TimeoutException);
    assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("t");
  }

  /**
   * The producer gave up on row 1 (a leader change outlasted its delivery timeout) and then
   * appended row 2 of the same key, re-sequenced: row 2 must not be recorded as sent, or row 1,
   * published again, would follow it and stay the key's last record.
   */
  @Test
  void aKeysRowAcknowledgedAfterItsEarlierRowWasNotIsKeptForTheKeysOrder() {
    MockProducer<byte[], byte[]> producer = producer(false);
    CompletableFuture<BatchPublisher.Outcome> publishing =
        CompletableFuture.supplyAsync(
            () ->
                new BatchPublisher(producer, BOUND, Duration.ZERO)
                    .publish(
                        List.of(
                            row(1, "t", "k"),
                            row(2, "t", "other"),
                            row(3, "t", "k"),
                            row(4, "t", "k"))));
    await().atMost(BOUND).until(() -> producer.history().size() == 4);

    producer.errorNext(new TimeoutException("Expiring 1 record(s): 10000 ms has passed"));
    producer.completeNext();
    producer.completeNext();
    producer.completeNext();
    BatchPublisher.Outcome outcome = publishing.join();

    assertThat(outcome.ackedIds()).containsExactly(2L);
    assertThat(outcome.inFlight()).extracting(f -> f.row().id()).containsExactly(1L);
    assertThat(outcome.failed())
        .extracting(f -> f.row().id(), f -> f.error().getClass())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(3L, KeyOrderKeptException.class),
            org.assertj.core.groups.Tuple.tuple(4L, KeyOrderKeptException.class));
    assertThat(outcome.failed().get(0).error()).hasMessageContaining("message id=1 of its key");
  }

  /**
   * A key's rows may go to several topics. When the earlier row fails before reaching Kafka (its
   * topic is missing), the key's later rows are not sent at all: sent, they would be sent again
   * every time the earlier row is tried, while its topic stays missing.
   */
  @Test
  void aKeysRowAfterItsEarlierRowsTopicFailedIsKept() {
    MockProducer<byte[], byte[]> producer = missingTopicProducer();

    BatchPublisher.Outcome outcome =
        new BatchPublisher(producer, BOUND, Duration.ZERO)
            .publish(List.of(row(1, "missing", "k"), row(2, "t", "k"), row(3, "t", null)));

    assertThat(outcome.ackedIds()).containsExactly(3L);
    assertThat(outcome.failed())
        .extracting(f -> f.row().id(), f -> f.error().getClass())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, TimeoutException.class),
            org.assertj.core.groups.Tuple.tuple(2L, KeyOrderKeptException.class));
    assertThat(producer.history()).extracting(r -> new String(r.value())).hasSize(1);
  }

  /** A producer that acknowledges at once, and has no metadata for topic "missing". */
  private static MockProducer<byte[], byte[]> missingTopicProducer() {
    return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
      @Override
      public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        if (record.topic().equals("missing")) {
          throw new TimeoutException("topic missing not present in metadata after 1000 ms");
        }
        return super.send(record);
      }
    };
  }

  private static MockProducer<byte[], byte[]> producer(boolean autoComplete) {
    return new MockProducer<>(
        autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static OutboxRow row(long id, String topic) {
    return row(id, topic, "key-" + id);
  }

  private static OutboxRow row(long id, String topic, String key) {
    return new OutboxRow(
        id,
        "m" + id,
        1,
        "ref-" + id,
        topic,
        key,
        new byte[] {1},
        Map.of(),
        0,
        0,
        Instant.now(),
        null);
  }
}
