package dev.outboxrelay.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jspecify.annotations.Nullable;

/**
 * Sends a batch of claimed rows asynchronously and waits, within one deadline, for every ack.
 * Nothing here touches the database: the caller marks the outcome in the claim's transaction, so a
 * row is only ever marked SENT after Kafka acknowledged it.
 */
public final class BatchPublisher {
  private final Producer<byte[], byte[]> producer;
  private final long ackTimeoutNanos;
  private final long sendWindowNanos;
  private final TopicCheck topicCheck;

  /**
   * Tells, before a publish sends anything, which of its topics cannot take records (missing where
   * the brokers would not create them at the first send, not authorized), in one request for all of
   * them: their rows then fail at once instead of each topic costing a metadata wait of up to
   * {@code max.block.ms} under the round's row locks.
   */
  @FunctionalInterface
  public interface TopicCheck {
    /** Checks nothing: every topic is tried. */
    TopicCheck NONE = topics -> Map.of();

    /**
     * @return the topics of {@code topics} known to be unusable now, with why; a topic it cannot
     *     decide on (no answer in time) is left out and tried
     */
    Map<String, Exception> unusable(Set<String> topics);
  }

  /**
   * @param ackTimeout the longest a {@link #publish} takes in all, sends and acks: it bounds how
   *     long the caller's row locks are held
   * @param maxBlock the producer's {@code max.block.ms}: the longest one send may block on a
   *     topic's metadata. No send starts later than {@code ackTimeout - maxBlock} into a publish,
   *     so metadata waits cannot stretch it beyond {@code ackTimeout}.
   */
  public BatchPublisher(Producer<byte[], byte[]> producer, Duration ackTimeout, Duration maxBlock) {
    this(producer, ackTimeout, maxBlock, TopicCheck.NONE);
  }

  /**
   * @param topicCheck asked once per publish, before the sends
   */
  public BatchPublisher(
      Producer<byte[], byte[]> producer,
      Duration ackTimeout,
      Duration maxBlock,
      TopicCheck topicCheck) {
    this.producer = Objects.requireNonNull(producer, "producer");
    this.ackTimeoutNanos = ackTimeout.toNanos();
    this.sendWindowNanos = Math.max(0, ackTimeout.minus(maxBlock).toNanos());
    this.topicCheck = Objects.requireNonNull(topicCheck, "topicCheck");
  }

  /**
   * Publishes {@code rows} in order; returns which were acknowledged, which failed (why), and which
   * were still in flight when the wait ended. Takes at most the ack timeout: rows it had no time to
   * send fail with {@link RoundTimeUsedUpException}; rows of a key whose earlier row was not
   * acknowledged fail with {@link KeyOrderKeptException}: not sent when the earlier row failed
   * before reaching Kafka, their acknowledgement set aside otherwise ({@link #outcome}).
   */
  public Outcome publish(List<OutboxRow> rows) {
    long started = System.nanoTime();
    long deadline = started + ackTimeoutNanos;
    List<Future<RecordMetadata>> futures = new ArrayList<>(rows.size());
    List<Boolean> sentOn = new ArrayList<>(rows.size());
    long[] sentAt = new long[rows.size()];
    // A topic whose send already failed before reaching the network (missing topic, metadata
    // timeout): its other rows fail at once instead of each waiting out max.block.ms again.
    Map<String, Exception> failedTopics = new HashMap<>();
    Set<String> topics = new HashSet<>();
    rows.forEach(row -> topics.add(row.topic()));
    if (!rows.isEmpty()) {
      failedTopics.putAll(topicCheck.unusable(topics));
    }
    Map<Integer, Exception> rowFailures = new HashMap<>();
    // key -> its row that failed before reaching Kafka (its topic unusable, no time left): the
    // key's later rows are not sent at all, rather than sent and their acks set aside each round
    Map<String, Long> keptBack = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      OutboxRow row = rows.get(i);
      Future<RecordMetadata> future = null;
      Long earlier = row.key() == null ? null : keptBack.get(row.key());
      if (earlier != null) {
        rowFailures.put(i, new KeyOrderKeptException(earlier));
      } else if (row.defect() != null) {
        rowFailures.put(i, new UnpublishableMessageException(row.defect()));
      } else if (!failedTopics.containsKey(row.topic())) {
        if (i > 0 && System.nanoTime() - started > sendWindowNanos) {
          rowFailures.put(i, new RoundTimeUsedUpException(ackTimeoutNanos / 1_000_000));
        } else {
          try {
            future = send(row, failedTopics);
            // after send() returned: Kafka bounds the outcome's report from then on (a send may
            // first block up to max.block.ms on metadata)
            sentAt[i] = System.nanoTime();
          } catch (RuntimeException e) {
            rowFailures.put(i, e);
          }
        }
      }
      futures.add(future);
      // a send the producer answered at once (no metadata, record refused) put nothing on the wire
      sentOn.add(future != null && !future.isDone());
      Exception notSent =
          future == null
              ? rowFailures.getOrDefault(i, failedTopics.get(row.topic()))
              : future.isDone() ? failureOf(future) : null;
      if (row.key() != null
          && earlier == null
          && notSent != null
          && !PermanentFailures.isPermanent(notSent)) {
        keptBack.putIfAbsent(row.key(), row.id());
      }
    }
    List<Result> results = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      OutboxRow row = rows.get(i);
      Future<RecordMetadata> future = futures.get(i);
      if (future == null) {
        // not sent: the row's own failure, else its topic's
        Exception error = rowFailures.getOrDefault(i, failedTopics.get(row.topic()));
        results.add(new Result(row, Objects.requireNonNull(error, "why not sent"), null, false, 0));
        continue;
      }
      Exception error = await(future, deadline);
      results.add(
          new Result(
              row,
              error,
              future,
              error != null && outcomeUnknown(error, sentOn.get(i)),
              sentAt[i]));
    }
    return outcome(results, deadline);
  }

  /**
   * What became of one row of a publish, in the order sent.
   *
   * @param error null when Kafka acknowledged the record
   * @param ack the send's future; null when nothing was sent
   * @param unknown Kafka may still append the record ({@link #outcomeUnknown})
   * @param sentNanos {@link System#nanoTime()} just after {@code send()} returned; 0 when nothing
   *     was sent
   */
  record Result(
      OutboxRow row,
      @Nullable Exception error,
      @Nullable Future<RecordMetadata> ack,
      boolean unknown,
      long sentNanos) {}

  /**
   * Sorts a publish's results into acknowledged, failed and in flight, keeping each key's order
   * (docs/design.md, "Per-key order within a round"). The producer keeps a partition's records in
   * order while it retries, but not when it gives up on a batch: a later batch of the same
   * partition is then re-sequenced and may be appended (a leader change that outlasts {@code
   * delivery.timeout.ms}), and a key's rows may go to several topics. So once a row of a key is
   * neither acknowledged nor failed for good, the key's later rows of the publish are not reported
   * acknowledged even when they were: they fail with {@link KeyOrderKeptException} and go out again
   * after the earlier row. A row that failed for good ({@link PermanentFailures}: it becomes DEAD
   * and never reaches its topic) keeps nothing back.
   */
  static Outcome outcome(List<Result> results, long deadline) {
    List<OutboxRow> acked = new ArrayList<>(results.size());
    List<Failure> failed = new ArrayList<>();
    List<InFlight> inFlight = new ArrayList<>();
    Map<String, Long> unfinishedKeys = new HashMap<>(); // key -> its first row not acknowledged
    for (Result result : results) {
      OutboxRow row = result.row();
      Exception error = result.error();
      Long earlier = row.key() == null ? null : unfinishedKeys.get(row.key());
      if (error == null) {
        if (earlier == null) {
          acked.add(row);
        } else {
          failed.add(new Failure(row, new KeyOrderKeptException(earlier)));
        }
        continue;
      }
      if (result.unknown()) {
        inFlight.add(
            new InFlight(
                row, Objects.requireNonNull(result.ack(), "ack"), error, result.sentNanos()));
      } else {
        failed.add(new Failure(row, error));
      }
      if (row.key() != null && (result.unknown() || !PermanentFailures.isPermanent(error))) {
        unfinishedKeys.putIfAbsent(row.key(), row.id());
      }
    }
    return new Outcome(acked, failed, inFlight, deadline);
  }

  /**
   * Sends {@code row}. A failure of the row itself (its record cannot be built or serialized) is
   * thrown, for this row alone; a failure of its topic (no metadata within {@code max.block.ms}, an
   * unknown or invalid topic, no rights) is noted in {@code failedTopics}, so that the topic's
   * other rows fail at once instead of each waiting again.
   */
  private @Nullable Future<RecordMetadata> send(
      OutboxRow row, Map<String, Exception> failedTopics) {
    ProducerRecord<byte[], byte[]> record;
    try {
      record = KafkaRecords.toRecord(row);
    } catch (RuntimeException e) {
      throw new UnpublishableMessageException("its Kafka record cannot be built", e);
    }
    Future<RecordMetadata> future;
    try {
      future = producer.send(record);
    } catch (RuntimeException e) {
      if (!isTopicFailure(e)) {
        throw e;
      }
      failedTopics.put(row.topic(), e);
      return null;
    }
    if (future.isDone()) {
      Exception error = failureOf(future);
      if (error != null && isTopicFailure(error)) {
        failedTopics.put(row.topic(), error);
      }
    }
    return future;
  }

  /**
   * Whether Kafka may still append the record of a send that ended with {@code error}: the wait
   * ended before the producer answered, or the producer gave up on a record it may have put on the
   * wire (a request or delivery timeout: the broker may still hold the request).
   */
  private static boolean outcomeUnknown(Exception error, boolean sentOn) {
    return error instanceof TimeoutException // the wait's own: the producer has not answered
        || (sentOn && error instanceof org.apache.kafka.common.errors.TimeoutException);
  }

  /** Errors that every row of the topic would meet, not only this one. */
  private static boolean isTopicFailure(Throwable error) {
    return error instanceof org.apache.kafka.common.errors.TimeoutException
        || error instanceof org.apache.kafka.common.errors.InvalidTopicException
        || error instanceof org.apache.kafka.common.errors.TopicAuthorizationException
        || error instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
  }

  private static @Nullable Exception failureOf(Future<RecordMetadata> future) {
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return unwrap(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    }
  }

  private @Nullable Exception await(Future<RecordMetadata> future, long deadline) {
    try {
      future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return null;
    } catch (ExecutionException e) {
      return unwrap(e);
    } catch (TimeoutException e) {
      return new TimeoutException(
          "no acknowledgement from Kafka within " + ackTimeoutNanos / 1_000_000 + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    }
  }

  private static Exception unwrap(ExecutionException e) {
    return e.getCause() instanceof Exception cause ? cause : e;
  }

  /** A row that was not acknowledged, and why. */
  public record Failure(OutboxRow row, Exception error) {}

  /**
   * A row whose record had neither been acknowledged nor failed when the wait ended: the producer
   * still holds it and may deliver it later (docs/design.md, "Records still in flight").
   *
   * @param ack completes when the producer learns the outcome, at the latest after its {@code
   *     delivery.timeout.ms}
   * @param error why the wait ended (no acknowledgement within the ack timeout)
   * @param sentNanos {@link System#nanoTime()} just after {@code send()} returned: the producer
   *     answers {@code ack} at the latest its {@code delivery.timeout.ms} after it
   */
  public record InFlight(
      OutboxRow row, Future<RecordMetadata> ack, Exception error, long sentNanos) {}

  /**
   * The acknowledged rows, in the order sent, the failed ones, and those still in flight.
   *
   * @param deadline the {@link System#nanoTime()} by which the publish had to end; what the caller
   *     still sends in the round (dead-letter copies) must end by then too
   */
  public record Outcome(
      List<OutboxRow> acked, List<Failure> failed, List<InFlight> inFlight, long deadline) {
    /** An outcome with nothing in flight and no time left for further sends. */
    public Outcome(List<OutboxRow> acked, List<Failure> failed) {
      this(acked, failed, List.of(), System.nanoTime());
    }

    /** Nothing was acknowledged, and something was sent or tried. */
    public boolean nothingAcked() {
      return acked.isEmpty() && !(failed.isEmpty() && inFlight.isEmpty());
    }

    public List<Long> ackedIds() {
      return acked.stream().map(OutboxRow::id).toList();
    }
  }
}
