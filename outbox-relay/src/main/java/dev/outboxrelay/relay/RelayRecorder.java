package dev.outboxrelay.relay;

import dev.outboxrelay.internal.BatchPublisher;
import dev.outboxrelay.internal.KafkaRecords;
import dev.outboxrelay.internal.OutboxRow;
import dev.outboxrelay.internal.OutboxStore;
import dev.outboxrelay.internal.PublishRound;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the relay records a round, in its transaction: the acknowledged rows SENT (or deleted, {@code
 * on-ack=delete}) in one statement; each failed row scheduled for another attempt after a backoff,
 * or made DEAD when the error is permanent or its attempts are used up, then copied to the
 * dead-letter topic if there is one.
 */
final class RelayRecorder implements PublishRound.Recorder {
  private static final Logger log = LoggerFactory.getLogger(RelayRecorder.class);
  static final String ERROR_HEADER = "outbox-error";

  private final OutboxStore store;
  private final Producer<byte[], byte[]> producer;
  private final FailurePolicy failures;
  private final RelaySettings settings;

  RelayRecorder(OutboxStore store, Producer<byte[], byte[]> producer, RelaySettings settings) {
    this.store = store;
    this.producer = producer;
    this.failures = new FailurePolicy(settings.maxAttempts(), settings.backoff());
    this.settings = settings;
  }

  @Override
  public List<BatchPublisher.Failure> record(BatchPublisher.Outcome outcome) {
    if (settings.onAck() == RelaySettings.OnAck.DELETE) {
      store.deleteSent(outcome.ackedIds());
    } else {
      store.markSent(outcome.ackedIds());
    }
    List<BatchPublisher.Failure> dead = new ArrayList<>();
    for (BatchPublisher.Failure failure : outcome.failed()) {
      if (recordFailure(failure)) {
        dead.add(failure);
      }
    }
    return dead;
  }

  /** Returns whether the row is now DEAD. */
  private boolean recordFailure(BatchPublisher.Failure failure) {
    OutboxRow row = failure.row();
    String error = String.valueOf(failure.error());
    if (!failures.isDead(failure.error(), row.attempts())) {
      store.markRetry(row.id(), failures.backoff(row.attempts() + 1).toMillis(), error);
      return false;
    }
    store.markDead(row.id(), error);
    log.warn(
        "message id={} topic={} is DEAD after {} attempt(s): {}",
        row.id(),
        row.topic(),
        row.attempts() + 1,
        error);
    if (settings.deadLetterTopic() != null) {
      deadLetter(row, error);
    }
    return true;
  }

  /** Best effort: the row stays DEAD with its error whether or not this succeeds. */
  private void deadLetter(OutboxRow row, String error) {
    ProducerRecord<byte[], byte[]> original = KafkaRecords.toRecord(row);
    ProducerRecord<byte[], byte[]> dead =
        new ProducerRecord<>(
            settings.deadLetterTopic(), null, original.key(), original.value(), original.headers());
    dead.headers().add(ERROR_HEADER, error.getBytes(StandardCharsets.UTF_8));
    try {
      producer.send(dead).get(settings.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn(
          "message id={} could not be copied to the dead-letter topic {}: {}",
          row.id(),
          settings.deadLetterTopic(),
          e.toString());
    }
  }
}
