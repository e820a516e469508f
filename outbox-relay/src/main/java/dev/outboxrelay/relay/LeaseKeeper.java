package dev.outboxrelay.relay;

import dev.outboxrelay.internal.DatabaseRefusedException;
import java.sql.SQLException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the lane leases ({@link LaneLeases#rebalance()}, which writes to the database every time)
 * on a thread of its own: every third of the lease duration while that works; after a failure,
 * every poll interval (at least {@value #MIN_RETRY_MILLIS} ms) until it works again, and then the
 * leases are extended or taken again and the workers woken at once. A worker whose round fails on
 * the database asks for a renewal at once ({@link #checkNow()}).
 *
 * <p>Its last outcome is the relay's view of its database, which the relay's health reports: a
 * database that answers reads but refuses writes (read-only after a failover) fails here as it
 * fails every round.
 */
final class LeaseKeeper {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
  static final long MIN_RETRY_MILLIS = 100;
  private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final int MAX_REASON_CHARS = 300;

  private final LaneLeases leases;
  private final ConnectionRenewal connections;
  private final Runnable onRecovery;
  private final ScheduledExecutorService thread;
  private final long renewMillis;
  private final long retryMillis;
  private final AtomicBoolean checkRequested = new AtomicBoolean();
  private volatile @Nullable String failure;
  // the keeper thread's own
  private @Nullable ScheduledFuture<?> next;
  private long lastWarning;
  private int failuresSinceWarning;

  /**
   * @param onRecovery run on the keeper thread when a renewal works after a failure (wakes the
   *     workers)
   * @param thread a single thread of the keeper's own
   */
  LeaseKeeper(
      LaneLeases leases,
      ConnectionRenewal connections,
      Runnable onRecovery,
      ScheduledExecutorService thread,
      RelaySettings settings) {
    this.leases = leases;
    this.connections = connections;
    this.onRecovery = onRecovery;
    this.thread = thread;
    this.renewMillis = Math.max(MIN_RETRY_MILLIS, settings.leaseDuration().toMillis() / 3);
    this.retryMillis =
        Math.min(renewMillis, Math.max(MIN_RETRY_MILLIS, settings.pollInterval().toMillis()));
  }

  void start() {
    schedule(0);
  }

  /**
   * Renews at once, on the keeper thread (a worker's round failed on the database: is it down or
   * read-only?); at most one such request waits at a time.
   */
  void checkNow() {
    if (checkRequested.compareAndSet(false, true)) {
      try {
        thread.execute(this::renew);
      } catch (RejectedExecutionException e) {
        // the relay stops
      }
    }
  }

  /**
   * Why the last renewal failed, in one line (the database refuses writes as read-only, or cannot
   * be reached); null while renewals work.
   */
  @Nullable String failure() {
    return failure;
  }

  private void renew() {
    checkRequested.set(false);
    if (next != null) {
      next.cancel(false);
    }
    long delay;
    try {
      leases.rebalance();
      recovered();
      delay = renewMillis;
    } catch (RuntimeException e) {
      failed(e);
      delay = retryMillis;
    }
    schedule(delay);
  }

  private void schedule(long delayMillis) {
    try {
      next = thread.schedule(this::renew, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the relay stops
    }
  }

  private void recovered() {
    if (failure != null) {
      failure = null;
      log.info("the database accepts the relay's writes again: lanes taken up at once");
      onRecovery.run();
    }
  }

  private void failed(RuntimeException e) {
    connections.afterFailure(e);
    // Without writes no lease can be kept: the workers stop until a renewal works again. The leases
    // are kept, not forgotten: forgotten, they could only be taken again once lapsed.
    leases.suspend();
    boolean starts = failure == null;
    failure = reason(e);
    long now = System.nanoTime();
    failuresSinceWarning++;
    if (starts || now - lastWarning >= WARN_INTERVAL_NANOS) {
      log.warn(
          "could not renew the lane leases{}, the lanes wait; retrying every {} ms: {}",
          starts ? "" : " (" + failuresSinceWarning + " failed tries in the last minute)",
          retryMillis,
          e.toString());
      lastWarning = now;
      failuresSinceWarning = 0;
    } else {
      log.debug("could not renew the lane leases again", e);
    }
  }

  /**
   * One line for the health endpoint: the server's own words when it refuses writes as read-only
   * (they name the option: read_only, super_read_only, ...), else the kind of failure only (a
   * connection error may name hosts).
   */
  static String reason(Throwable error) {
    if (error instanceof DatabaseRefusedException refused) {
      return String.valueOf(refused.getMessage()); // e.g. the schema is old: which script to apply
    }
    SQLException readOnly = ConnectionRenewal.readOnlyCause(error);
    if (readOnly != null) {
      String message = String.valueOf(readOnly.getMessage()).lines().findFirst().orElse("");
      if (message.length() > MAX_REASON_CHARS) {
        message = message.substring(0, MAX_REASON_CHARS) + "…";
      }
      return "the database refuses writes (error "
          + readOnly.getErrorCode()
          + ", SQL state "
          + readOnly.getSQLState()
          + "): "
          + message;
    }
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return "the relay cannot write to the database: " + root.getClass().getSimpleName();
  }
}
