package dev.outboxrelay;

import dev.outboxrelay.internal.BatchPublisher;
import dev.outboxrelay.internal.InFlightRows;
import dev.outboxrelay.internal.OrderingGuard;
import dev.outboxrelay.internal.OutboxRow;
import dev.outboxrelay.internal.ProducerSettings;
import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.internal.PublishPath;
import dev.outboxrelay.internal.PublishRound;
import dev.outboxrelay.internal.RoundClaims;
import dev.outboxrelay.internal.RoundOutcomes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * After commit, publishes the transaction's rows in one {@link PublishRound}: claims those never
 * attempted ({@code FOR UPDATE SKIP LOCKED}), publishes those the ordering guard releases (by key),
 * and marks the acknowledged ones SENT in the same short transaction. It runs on a small bounded
 * executor, so the business thread never waits on Kafka; when the queue is full, Kafka is down or
 * the database is busy it gives up, and the rows stay PENDING for the relay. A row whose record is
 * still in flight when the ack timeout ends is not handed over before the producer has surely given
 * up on it ({@link InFlightRows}); its late acknowledgement is recorded here.
 *
 * <p>A round holds one connection of the pool it shares with the service (same-database mode) for
 * its claim and one round trip to Kafka's acks, never for a topic's metadata: it sends only to
 * topics whose metadata its producer was seen to hold ({@link TopicReadiness}), checked between
 * rounds. Each thread holds at most one connection at a time. When Kafka takes a round's records
 * but acknowledges none within the ack timeout (a stalled broker), further rounds would each hold
 * their connection that long again: new messages are left to the relay for 30 s, or until Kafka
 * acknowledges one of the records still in flight.
 */
final class KafkaFastPath implements FastPath {
  private static final Logger log = LoggerFactory.getLogger(KafkaFastPath.class);
  private static final int MAX_BATCH = 500;
  // A round's bounds, as the relay's (batch-size, batch-bytes): a batch of up to UNMEASURED_ROWS
  // rows is claimed at once; a larger one (a large transaction, or many queued) in slices of at
  // most SLICE_ROWS rows and SLICE_BYTES of payload and headers, their sizes read first, so no
  // statement carries more than about 2 * SLICE_ROWS parameters and a round holds a bounded heap.
  private static final int SLICE_ROWS = 500;
  private static final long SLICE_BYTES = 8L * 1024 * 1024;
  private static final int UNMEASURED_ROWS = 16;
  private static final long SILENCE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final RoundClaims claims;
  private final RoundOutcomes outcomes;
  private final PublishRound round;
  private final InFlightRows inFlight;
  private final PublishListener listener;
  private final Producer<byte[], byte[]> producer;
  private final TopicReadiness readiness;
  private final BlockingQueue<List<Long>> queue;
  private final List<Thread> threads;
  private volatile boolean closed;
  // Until then Kafka is taken as stalled: it answered none of a round's records within the ack
  // timeout, and each further round would hold its pool connection that long again.
  private volatile long silentUntil = System.nanoTime();
  private final Duration ackTimeout;
  private final OutageLog outages = new OutageLog(log);

  KafkaFastPath(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      Producer<byte[], byte[]> producer,
      OutboxSettings settings,
      PublishListener listener) {
    this.claims = new RoundClaims(dataSource);
    this.outcomes = new RoundOutcomes(dataSource);
    TransactionTemplate transaction = new TransactionTemplate(transactionManager);
    // READ COMMITTED: no gap locks, so business INSERTs never wait for the fast path's commit.
    transaction.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
    transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    this.producer = producer;
    this.readiness = new TopicReadiness(producer);
    this.listener = listener;
    this.ackTimeout = settings.fastPath().ackTimeout();
    this.inFlight =
        new InFlightRows(
            PublishPath.FAST_PATH,
            outcomes,
            transaction,
            ProducerSettings.inFlightHold(FastPathProducer.config(settings)),
            outcomes::markLateSent,
            listener);
    // Failures are not recorded: the rows stay PENDING, untouched, and the relay publishes them.
    this.round =
        new PublishRound(
            PublishPath.FAST_PATH,
            transaction,
            OrderingGuard.byKey(claims),
            new BatchPublisher(producer, ackTimeout, FastPathProducer.maxBlock(settings)),
            claims::claimFresh,
            outcome -> {
              outcomes.markSent(outcome.ackedIds());
              return List.of();
            },
            inFlight,
            listener);
    this.queue = new ArrayBlockingQueue<>(settings.fastPath().queueCapacity());
    this.threads = new ArrayList<>();
    for (int i = 1; i <= settings.fastPath().threads(); i++) {
      Thread thread = new Thread(this::work, "outbox-fast-path-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  @Override
  public void publishAfterCommit(List<Long> ids) {
    if (ids.isEmpty()) {
      return;
    }
    if (closed || !queue.offer(ids)) {
      outages.warn(
          "fast path queue is full or closed: " + ids.size() + " message(s) left to the relay");
    }
  }

  /**
   * A publishing thread: takes the next committed transaction and up to {@value #MAX_BATCH} more
   * already waiting, and publishes them in one claim: under load the fast path batches, so it keeps
   * up instead of falling one round trip per transaction behind.
   */
  private void work() {
    List<List<Long>> transactions = new ArrayList<>();
    while (!closed) {
      List<Long> next;
      try {
        next = queue.poll(100, TimeUnit.MILLISECONDS); // a bounded wait, to notice close()
      } catch (InterruptedException e) {
        return;
      }
      if (next == null) {
        recordLateAcks();
        continue;
      }
      transactions.add(next);
      queue.drainTo(transactions, MAX_BATCH);
      List<Long> ids = new ArrayList<>();
      for (List<Long> transaction : transactions) {
        ids.addAll(transaction);
      }
      transactions.clear();
      if (silent()) {
        outages.warn(
            "fast path: Kafka acknowledged none of a round's messages within "
                + ackTimeout.toMillis()
                + " ms lately: "
                + ids.size()
                + " message(s) left to the relay");
      } else {
        publishInSlices(ids);
      }
      recordLateAcks();
    }
  }

  private boolean silent() {
    return silentUntil - System.nanoTime() > 0;
  }

  private void recordLateAcks() {
    try {
      if (inFlight.recordLateAcks() > 0) {
        silentUntil = System.nanoTime(); // Kafka answers again
      }
    } catch (RuntimeException e) {
      outages.warn("fast path: late acknowledgements not recorded yet: " + e);
    }
  }

  /** Publishes {@code ids} in rounds of at most {@value #SLICE_ROWS} rows and 8 MiB. */
  private void publishInSlices(List<Long> ids) {
    if (ids.size() <= UNMEASURED_ROWS) {
      publish(ids);
      return;
    }
    List<Long> sorted = ids.stream().sorted().toList();
    int from = 0;
    while (from < sorted.size() && !closed && !silent()) { // the rest is the relay's
      List<Long> slice = sorted.subList(from, Math.min(from + SLICE_ROWS, sorted.size()));
      List<Long> within;
      try {
        within = claims.freshWithinBudget(slice, SLICE_BYTES);
      } catch (RuntimeException e) {
        listener.roundFailed(PublishPath.FAST_PATH, e);
        outages.warn(
            "fast path failed, " + (sorted.size() - from) + " message(s) left to the relay: " + e);
        return;
      }
      if (within.isEmpty()) {
        from += slice.size();
        continue;
      }
      publish(within);
      from += java.util.Collections.binarySearch(slice, within.get(within.size() - 1)) + 1;
    }
  }

  /**
   * Publishes those of {@code ids} still fresh. Rows of a topic not known to be ready are left out
   * of the round (unsent, released at its commit); their topics are checked after it, holding no
   * connection, and if one was found ready a second round takes what is still fresh of {@code ids}
   * (the rows of their keys the ordering guard held back behind them too). Rows of the topics found
   * unusable are the relay's.
   */
  private void publish(List<Long> ids) {
    List<OutboxRow> unchecked = new ArrayList<>();
    if (!publishReady(ids, unchecked) || unchecked.isEmpty()) {
      return;
    }
    Set<String> topics = new HashSet<>();
    unchecked.forEach(row -> topics.add(row.topic()));
    Map<String, Exception> unusable = readiness.check(topics);
    long left = unchecked.stream().filter(row -> unusable.containsKey(row.topic())).count();
    if (left > 0) {
      Map.Entry<String, Exception> first = unusable.entrySet().iterator().next();
      outages.warn(
          "fast path: "
              + left
              + " message(s) to "
              + unusable.size()
              + " topic(s) without metadata (missing, not authorized, or Kafka unreachable) left"
              + " to the relay (first: "
              + first.getKey()
              + ", "
              + first.getValue()
              + ")");
    }
    if (unusable.size() < topics.size() && !silent()) {
      publishReady(ids, new ArrayList<>());
    }
  }

  /**
   * One round over {@code ids}, publishing the rows of ready topics; the others are added to {@code
   * unchecked}.
   *
   * @return false if the round failed
   */
  private boolean publishReady(List<Long> ids, List<OutboxRow> unchecked) {
    try {
      PublishRound.Result result =
          round.run(
              () -> {
                List<OutboxRow> ready = new ArrayList<>();
                for (OutboxRow row : claims.claimFresh(ids)) {
                  (readiness.ready(row.topic()) ? ready : unchecked).add(row);
                }
                return ready;
              },
              true);
      BatchPublisher.Outcome outcome = result.outcome();
      if (outcome.acked().isEmpty() && !outcome.inFlight().isEmpty()) {
        silentUntil = System.nanoTime() + SILENCE_NANOS;
      }
      report(outcome);
      return true;
    } catch (RuntimeException e) {
      listener.roundFailed(PublishPath.FAST_PATH, e);
      outages.warn("fast path failed, " + ids.size() + " message(s) left to the relay: " + e);
      return false;
    }
  }

  private void report(BatchPublisher.Outcome outcome) {
    List<BatchPublisher.InFlight> late = outcome.inFlight();
    if (!late.isEmpty()) {
      outages.warn(
          "fast path: "
              + late.size()
              + " message(s) not acknowledged within "
              + ackTimeout.toMillis()
              + " ms but still in flight: recorded if Kafka acknowledges them, else left to the"
              + " relay "
              + inFlight.hold().toMillis()
              + " ms after their send (first: id="
              + late.get(0).row().id()
              + ")");
    }
    List<BatchPublisher.Failure> failed = outcome.failed();
    if (!failed.isEmpty()) {
      outages.warn(
          "fast path: "
              + failed.size()
              + " message(s) not acknowledged, left to the relay (first: id="
              + failed.get(0).row().id()
              + ", "
              + failed.get(0).error()
              + ")");
    }
  }

  @Override
  public void close() {
    closed = true;
    // An in-flight batch finishes within the ack timeout; what is still queued is the relay's.
    try {
      for (Thread thread : threads) {
        thread.join(ackTimeout.toMillis() + 1_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      producer.close(Duration.ofSeconds(5));
      recordLateAcks(); // what the producer delivered while closing
    }
  }
}
