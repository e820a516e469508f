package dev.outboxrelay.relay;

import dev.outboxrelay.internal.BatchPublisher;
import dev.outboxrelay.internal.KafkaRecords;
import dev.outboxrelay.internal.LeftForNextRoundException;
import dev.outboxrelay.internal.OutboxRow;
import dev.outboxrelay.internal.PublishRound;
import dev.outboxrelay.internal.RoundOutcomes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the relay records a round, in its transaction: the acknowledged rows SENT (or deleted, {@code
 * on-ack=delete}) in one statement; each failed row as {@link FailurePolicy} decides: DEAD (then
 * copied to the dead-letter topic if there is one, within the round's send-timeout), another
 * attempt after a backoff, or put off by its topic's backoff without counting an attempt.
 */
final class RelayRecorder implements PublishRound.Recorder {
  private static final Logger log = LoggerFactory.getLogger(RelayRecorder.class);

  private final RoundOutcomes store;
  private final Producer<byte[], byte[]> producer;
  private final FailurePolicy failures;
  private final TopicBackoff topics;
  private final RelaySettings settings;
  private final List<Integer> allLanes;

  RelayRecorder(
      RoundOutcomes store,
      Producer<byte[], byte[]> producer,
      TopicBackoff topics,
      RelaySettings settings) {
    this.store = store;
    this.producer = producer;
    this.failures = new FailurePolicy(settings.maxAttempts(), settings.backoff());
    this.topics = topics;
    this.settings = settings;
    this.allLanes = IntStream.range(0, settings.lanes()).boxed().toList();
  }

  @Override
  public List<BatchPublisher.Failure> record(BatchPublisher.Outcome outcome) {
    if (settings.onAck() == RelaySettings.OnAck.DELETE) {
      store.deleteSent(outcome.ackedIds());
    } else {
      store.markSent(outcome.ackedIds());
    }
    outcome.acked().stream().map(OutboxRow::topic).distinct().forEach(this::succeeded);
    Map<String, Duration> deferredTopics = new HashMap<>();
    List<BatchPublisher.Failure> dead = new ArrayList<>();
    boolean deadLetters = settings.deadLetterTopic() != null;
    for (BatchPublisher.Failure failure : outcome.failed()) {
      OutboxRow row = failure.row();
      String error = String.valueOf(failure.error());
      switch (failures.decide(failure.error(), row.attempts())) {
        case RETRY ->
            store.markRetry(row.id(), failures.backoff(row.attempts() + 1).toMillis(), error);
        case DEFER -> {
          // a row the round had no time for, or kept back for its key's order, is not its
          // topic's fault: the next round takes it
          Duration delay =
              failure.error() instanceof LeftForNextRoundException
                  ? Duration.ZERO
                  : deferredTopics.computeIfAbsent(
                      row.topic(), topic -> topics.failed(topic, failure.error()));
          store.markDeferred(row.id(), delay.toMillis(), error);
        }
        case DEAD -> {
          dead.add(failure);
          deadLetters = recordDead(row, error, deadLetters, outcome.deadline());
        }
      }
    }
    return dead;
  }

  /**
   * A message of {@code topic} was acknowledged. If the topic was failing, its rows put off by its
   * backoff are due at once, in every lane: the backoff spares a broken topic, and this one works
   * again. Without this, what the topic's backoff grew to while a broker came back after an outage
   * (the cluster answers, its partitions not yet) would hold its backlog up for as long, up to
   * {@code backoff.max}.
   */
  private void succeeded(String topic) {
    int failingRounds = topics.succeeded(topic);
    if (failingRounds > 0) {
      int due = store.makeDue(topic, allLanes);
      log.info(
          "topic {} recovered after {} failing round(s); {} of its waiting message(s) due now",
          topic,
          failingRounds,
          due);
    }
  }

  /**
   * Makes {@code row} DEAD and copies it to the dead-letter topic while {@code deadLetters} and the
   * round's time last; returns whether later rows of the round may still be copied.
   */
  private boolean recordDead(OutboxRow row, String error, boolean deadLetters, long deadline) {
    store.markDead(row.id(), error);
    log.warn(
        "message id={} topic={} is DEAD after {} attempt(s): {}",
        row.id(),
        row.topic(),
        row.attempts() + 1,
        error);
    if (!deadLetters) {
      return false;
    }
    long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    // send() itself may wait up to max-block for the topic's metadata, before get() is bounded
    if (remainingMillis < settings.maxBlock().toMillis()) {
      log.warn(
          "message id={} not copied to the dead-letter topic {}: too little of the round's"
              + " send-timeout is left",
          row.id(),
          settings.deadLetterTopic());
      return false;
    }
    return deadLetter(row, error, remainingMillis);
  }

  /**
   * Best effort, within the round's remaining time: the row stays DEAD with its error whether or
   * not this succeeds. Returns false when the copy failed: the round's other copies are skipped
   * rather than each waiting for the same failure.
   */
  private boolean deadLetter(OutboxRow row, String error, long remainingMillis) {
    ProducerRecord<byte[], byte[]> original = KafkaRecords.toRecord(row);
    ProducerRecord<byte[], byte[]> dead =
        new ProducerRecord<>(
            settings.deadLetterTopic(), null, original.key(), original.value(), original.headers());
    dead.headers().add(KafkaRecords.ERROR_HEADER, KafkaRecords.errorHeaderValue(error));
    try {
      producer.send(dead).get(remainingMillis, TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      // the dead-letter topic itself failing (missing, no rights, no answer) would fail the
      // round's other copies the same way: skip them; a copy refused for itself (too large) not
      boolean topicFails = FailurePolicy.isEnvironment(cause);
      log.warn(
          "message id={} could not be copied to the dead-letter topic {}{}: {}",
          row.id(),
          settings.deadLetterTopic(),
          topicFails ? " (nor will the round's other DEAD messages be)" : "",
          cause.toString());
      return !topicFails;
    }
  }
}
