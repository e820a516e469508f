package dev.outboxrelay.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rows whose records a round stopped waiting for while its producer still held them
 * (docs/design.md, "Records still in flight"). Kafka may still append such a record, so no other
 * publisher may send the row before that producer has given up on it: the round puts the row off
 * until the producer's {@code delivery.timeout.ms} plus {@code request.timeout.ms} (the hold) have
 * passed since the send, and the ordering guard keeps the key's newer rows back meanwhile. The send
 * is watched: a late acknowledgement is recorded (SENT, or deleted), so the row is not published a
 * second time; a late failure leaves the row to the relay once the hold ends. A key's
 * acknowledgement is recorded only after its earlier rows' were; after a late failure, the key's
 * later rows are left to go out again after it, acknowledged or not.
 */
public final class InFlightRows {
  private static final Logger log = LoggerFactory.getLogger(InFlightRows.class);

  private final PublishPath path;
  private final RoundOutcomes store;
  private final TransactionTemplate transaction;
  private final Duration hold;
  private final ToIntFunction<Collection<Long>> recordSent;
  private final PublishListener listener;
  private final List<BatchPublisher.InFlight> watched = new ArrayList<>(); // guarded by this

  /**
   * @param transaction where late acknowledgements are recorded (READ COMMITTED)
   * @param hold how long after its send a row whose round stopped waiting is put off: at least the
   *     longest its producer may still deliver the record
   * @param recordSent records late-acknowledged rows that are still PENDING (marks them SENT or
   *     deletes them), returns how many it recorded
   */
  public InFlightRows(
      PublishPath path,
      RoundOutcomes store,
      TransactionTemplate transaction,
      Duration hold,
      ToIntFunction<Collection<Long>> recordSent,
      PublishListener listener) {
    this.path = Objects.requireNonNull(path, "path");
    this.store = Objects.requireNonNull(store, "store");
    this.transaction = Objects.requireNonNull(transaction, "transaction");
    this.hold = Objects.requireNonNull(hold, "hold");
    this.recordSent = Objects.requireNonNull(recordSent, "recordSent");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** The hold: how long after its send a row whose round stopped waiting is put off. */
  public Duration hold() {
    return hold;
  }

  /**
   * In the round's transaction, which holds the rows' locks: puts {@code rows} off until the hold
   * has passed since their send, and watches their sends.
   */
  void hold(List<BatchPublisher.InFlight> rows) {
    if (rows.isEmpty()) {
      return;
    }
    putOff(rows);
    synchronized (this) {
      watched.addAll(rows);
    }
  }

  /**
   * Puts {@code rows} off until the hold has passed since their send (again, after the round's
   * first recording rolled back). Counted from the send, not from now: the producer's delivery
   * timeout runs from the send, and the round's wait (up to its ack timeout, often as long) has
   * used part of it; a hold counted from the wait's end kept the rows of a Kafka outage from the
   * relay that much longer after the broker was back. All of them until the last one's hold ends
   * (one statement; a round sends within its ack timeout).
   */
  void putOff(List<BatchPublisher.InFlight> rows) {
    if (rows.isEmpty()) {
      return;
    }
    long lastSent = rows.stream().mapToLong(BatchPublisher.InFlight::sentNanos).max().orElseThrow();
    Duration left = hold.minusNanos(Math.max(0, System.nanoTime() - lastSent));
    store.putOff(
        rows.stream().map(row -> row.row().id()).toList(),
        left.isNegative() ? Duration.ZERO : left,
        "no acknowledgement within the round, its producer may still deliver it: not due again"
            + " before it has surely given up ("
            + hold.toMillis()
            + " ms after the send)");
  }

  /**
   * Records the late acknowledgements that came since the last call, in a transaction of its own;
   * call it regularly, on a thread that may use the database.
   *
   * @return how many rows it recorded as published
   * @throws org.springframework.dao.DataAccessException when the database fails; the
   *     acknowledgements are kept for the next call
   */
  public int recordLateAcks() {
    Decided decided;
    synchronized (this) {
      decided = decide(watched);
    }
    List<BatchPublisher.InFlight> acked = decided.acked();
    int failed = decided.failed();
    int keptForOrder = decided.keptForOrder();
    String firstError = decided.firstError();
    if (failed > 0) {
      log.info(
          "{}: {} message(s) still in flight after their round failed after all ({}): published"
              + " again once their hold ends, with {} later message(s) of their keys",
          path.tag(),
          failed,
          firstError,
          keptForOrder);
    }
    if (acked.isEmpty()) {
      return 0;
    }
    List<Long> ids = acked.stream().map(row -> row.row().id()).toList();
    Integer recorded;
    try {
      recorded = transaction.execute(status -> recordSent.applyAsInt(ids));
    } catch (RuntimeException e) {
      synchronized (this) {
        watched.addAll(0, acked); // done futures, first in order sent: recorded by the next call
      }
      throw e;
    }
    Instant now = Instant.now();
    acked.forEach(row -> listener.published(path, row.row(), now));
    log.info(
        "{}: {} message(s) acknowledged by Kafka after their round stopped waiting; {} of them"
            + " still PENDING, now recorded as published",
        path.tag(),
        acked.size(),
        recorded);
    return recorded == null ? 0 : recorded;
  }

  /**
   * What the sends that completed allow recording now, taken out of {@code watched} (rows in the
   * order sent). A key's acknowledgement is recorded only once its earlier rows' were: the producer
   * may give up on one batch and still deliver the next (docs/design.md, "Per-key order within a
   * round"). So a completed row waits while an earlier row of its key is undecided, and after an
   * earlier row of its key failed it is no longer watched: it stays PENDING and goes out again
   * after that row, acknowledged or not.
   */
  static Decided decide(List<BatchPublisher.InFlight> watched) {
    List<BatchPublisher.InFlight> acked = new ArrayList<>();
    int failed = 0;
    int keptForOrder = 0;
    String firstError = null;
    Set<String> earlierUndecided = new HashSet<>();
    Set<String> earlierFailed = new HashSet<>();
    for (Iterator<BatchPublisher.InFlight> it = watched.iterator(); it.hasNext(); ) {
      BatchPublisher.InFlight row = it.next();
      String key = row.row().key();
      if (key != null && earlierFailed.contains(key)) {
        it.remove();
        keptForOrder++;
        continue;
      }
      if (!row.ack().isDone()) {
        if (key != null) {
          earlierUndecided.add(key);
        }
        continue;
      }
      if (key != null && earlierUndecided.contains(key)) {
        continue;
      }
      it.remove();
      Throwable error = errorOf(row);
      if (error == null) {
        acked.add(row);
        continue;
      }
      if (key != null) {
        earlierFailed.add(key);
      }
      if (failed++ == 0) {
        firstError = error.toString();
      }
    }
    return new Decided(acked, failed, firstError, keptForOrder);
  }

  /**
   * @param acked rows to record as published
   * @param failed rows whose sends failed late
   * @param firstError the first of those failures, null if none
   * @param keptForOrder later rows of the failed rows' keys, no longer watched
   */
  record Decided(
      List<BatchPublisher.InFlight> acked,
      int failed,
      @Nullable String firstError,
      int keptForOrder) {}

  private static @Nullable Throwable errorOf(BatchPublisher.InFlight row) {
    try {
      row.ack().get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause() == null ? e : e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    }
  }
}
