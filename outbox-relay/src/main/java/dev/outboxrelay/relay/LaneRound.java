package dev.outboxrelay.relay;

import dev.outboxrelay.internal.BatchPublisher;
import dev.outboxrelay.internal.KafkaRecords;
import dev.outboxrelay.internal.OrderingGuard;
import dev.outboxrelay.internal.OutboxRow;
import dev.outboxrelay.internal.OutboxStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One round of a worker's lanes, in one READ COMMITTED transaction: claim each lane's oldest due
 * rows ({@code FOR UPDATE SKIP LOCKED}), drop those the ordering guard holds back, publish the rest
 * and wait for the acks, then one UPDATE for the acknowledged rows and one per failed row, and
 * commit. Row locks are held for one round trip to Kafka at most, bounded by the send timeout.
 */
final class LaneRound {
  private static final Logger log = LoggerFactory.getLogger(LaneRound.class);
  static final String ERROR_HEADER = "outbox-error";

  private final OutboxStore store;
  private final OrderingGuard guard;
  private final TransactionTemplate transaction;
  private final BatchPublisher publisher;
  private final Producer<byte[], byte[]> producer;
  private final FailurePolicy failures;
  private final RelayMetrics metrics;
  private final RelaySettings settings;
  private volatile AfterPublish afterPublish = AfterPublish.NOTHING;

  LaneRound(
      OutboxStore store,
      TransactionTemplate transaction,
      Producer<byte[], byte[]> producer,
      RelayMetrics metrics,
      RelaySettings settings) {
    this.store = store;
    this.guard = OrderingGuard.byLane(store);
    this.transaction = transaction;
    this.producer = producer;
    this.publisher = new BatchPublisher(producer, settings.sendTimeout());
    this.failures = new FailurePolicy(settings);
    this.metrics = metrics;
    this.settings = settings;
  }

  /**
   * The outcome of a round: how many rows it claimed, and whether nothing could be sent (the round
   * was rolled back, no attempt counted: Kafka may be down).
   */
  record Result(int claimed, boolean nothingSent, boolean mayHaveMore) {
    static final Result EMPTY = new Result(0, false, false);
  }

  /** A seam for tests that stop a relay between Kafka's ack and the commit, as a crash would. */
  interface AfterPublish {
    AfterPublish NOTHING = acked -> {};

    void acknowledged(List<OutboxRow> acked);
  }

  void afterPublish(AfterPublish hook) {
    this.afterPublish = hook;
  }

  /**
   * Runs a round over {@code lanes}: claims each lane's oldest due rows (the batch size shared
   * among them) in one statement, and publishes them together: one wait for acks and one commit for
   * all the lanes of a worker, however many lanes it has. When no row of the batch could be sent,
   * the round is rolled back unless {@code countAttemptsIfNothingSent}: a Kafka outage is not the
   * messages' fault; the caller checks Kafka outside the transaction and runs again, counting, if
   * it is up.
   */
  Result run(List<Integer> lanes, boolean countAttemptsIfNothingSent) {
    long started = System.nanoTime();
    // The batch size is shared by the round's lanes, so a round stays one batch however many.
    int perLane = Math.max(1, settings.batchSize() / lanes.size());
    BatchPublisher.Outcome[] published = new BatchPublisher.Outcome[1];
    Round round;
    try {
      round =
          transaction.execute(
              status -> {
                List<OutboxRow> claimed = store.claimLanes(lanes, perLane);
                if (claimed.isEmpty()) {
                  return null;
                }
                BatchPublisher.Outcome outcome = publisher.publish(guard.releasable(claimed));
                if (outcome.acked().isEmpty()
                    && !outcome.failed().isEmpty()
                    && !countAttemptsIfNothingSent) {
                  status.setRollbackOnly();
                  return new Round(claimed.size(), outcome, true);
                }
                published[0] = outcome;
                afterPublish.acknowledged(outcome.acked());
                record(outcome);
                return new Round(claimed.size(), outcome, false);
              });
    } catch (PessimisticLockingFailureException e) {
      if (published[0] == null) {
        throw e;
      }
      // A deadlock rolled the round back after Kafka acknowledged it. Publishing it all again
      // would duplicate the whole batch: record the outcome again instead, for the rows that are
      // still PENDING and not claimed by anyone else.
      log.info(
          "round rolled back by the database ({}); recording its outcome again",
          e.getClass().getSimpleName());
      round = transaction.execute(status -> recordAgain(published[0]));
    }
    if (round == null) {
      return Result.EMPTY;
    }
    Instant committed = Instant.now();
    metrics.batch(round.claimed, System.nanoTime() - started);
    for (OutboxRow row : round.outcome.acked()) {
      metrics.published(row.topic(), row.createdAt(), committed);
    }
    for (BatchPublisher.Failure failure : round.outcome.failed()) {
      metrics.failed(FailurePolicy.reason(failure.error()));
    }
    return new Result(round.claimed, round.nothingSent, round.claimed >= perLane);
  }

  private void record(BatchPublisher.Outcome outcome) {
    if (settings.onAck() == RelaySettings.OnAck.DELETE) {
      store.deleteSent(outcome.ackedIds());
    } else {
      store.markSent(outcome.ackedIds());
    }
    for (BatchPublisher.Failure failure : outcome.failed()) {
      recordFailure(failure);
    }
  }

  private Round recordAgain(BatchPublisher.Outcome lost) {
    List<Long> ids = new ArrayList<>(lost.ackedIds());
    lost.failed().forEach(failure -> ids.add(failure.row().id()));
    Set<Long> reclaimed = new HashSet<>();
    store.claimIds(ids).forEach(row -> reclaimed.add(row.id()));
    BatchPublisher.Outcome outcome =
        new BatchPublisher.Outcome(
            lost.acked().stream().filter(row -> reclaimed.contains(row.id())).toList(),
            lost.failed().stream().filter(f -> reclaimed.contains(f.row().id())).toList());
    record(outcome);
    return new Round(reclaimed.size(), outcome, false);
  }

  private void recordFailure(BatchPublisher.Failure failure) {
    OutboxRow row = failure.row();
    String error = String.valueOf(failure.error());
    if (!failures.isDead(failure.error(), row.attempts())) {
      store.markRetry(row.id(), failures.backoff(row.attempts() + 1).toMillis(), error);
      return;
    }
    store.markDead(row.id(), error);
    metrics.dead();
    log.warn(
        "message id={} topic={} is DEAD after {} attempt(s): {}",
        row.id(),
        row.topic(),
        row.attempts() + 1,
        error);
    if (settings.deadLetterTopic() != null) {
      deadLetter(row, error);
    }
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

  private record Round(int claimed, BatchPublisher.Outcome outcome, boolean nothingSent) {}
}
