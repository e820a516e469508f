package dev.outboxrelay.relay;

import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.internal.PublishPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker thread's loop: rounds over its share of the owned lanes (positions {@code index}, {@code
 * index + workers}, ...), at once again while a batch came back full, else after the poll interval.
 * Database or Kafka trouble makes it back off, never die: it recovers by itself.
 */
final class LaneWorker implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(LaneWorker.class);
  private static final Duration MAX_TROUBLE_BACKOFF = Duration.ofSeconds(10);
  // how often a worker backing off from an outage looks at the probe, at most
  private static final Duration MIN_REACHABLE_CHECK = Duration.ofMillis(10);
  private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final int index;
  private final int workers;
  private final LaneLeases leases;
  private final LaneRound round;
  private final KafkaProbe kafka;
  private final RelaySettings settings;
  private final CountDownLatch stopped;
  private final PublishListener listener;
  private final ConnectionRenewal connections;
  private final Wakeup wakeup;
  private final Runnable databaseFailed;
  // For the stall watch: when the running round started (0 between rounds), and what ended the
  // thread if an Error did.
  private volatile long roundStartedNanos;
  private volatile @Nullable Throwable stoppedBy;
  private Duration troubleBackoff = Duration.ZERO;
  // The backoff is because no broker answered: it ends as soon as the probe sees one again.
  private boolean kafkaDown;
  private boolean troubleLogged;
  private long lastWarning;
  private int failuresSinceWarning;

  LaneWorker(
      int index,
      LaneLeases leases,
      LaneRound round,
      KafkaProbe kafka,
      RelaySettings settings,
      PublishListener listener,
      ConnectionRenewal connections,
      CountDownLatch stopped,
      Wakeup wakeup,
      Runnable databaseFailed) {
    this.index = index;
    this.workers = settings.workers();
    this.leases = leases;
    this.round = round;
    this.kafka = kafka;
    this.settings = settings;
    this.stopped = stopped;
    this.listener = listener;
    this.connections = connections;
    this.wakeup = wakeup;
    this.databaseFailed = databaseFailed;
  }

  @Override
  public void run() {
    try {
      loop();
    } catch (Error e) {
      // OutOfMemoryError, StackOverflowError...: the worker's state (its connection's protocol
      // state included) cannot be trusted. It stops, and the stall watch fails liveness so that
      // the process is restarted. -XX:+ExitOnOutOfMemoryError would have ended the JVM already.
      stoppedBy = e;
      log.error(
          "worker {} stopped by {}: the relay needs a restart (liveness fails)",
          index,
          e.toString(),
          e);
    }
  }

  private void loop() {
    while (!isStopping()) {
      boolean again = false;
      roundStartedNanos = nonZero(System.nanoTime());
      try {
        Outcome outcome = round();
        again = outcome == Outcome.MORE;
        // a worker without lanes ran no round: that proves nothing about the database or Kafka
        // (it has none while the lease keeper cannot reach the database)
        if (outcome != Outcome.NO_LANES) {
          if (troubleLogged) {
            log.info("worker {} recovered: its rounds succeed again", index);
          }
          troubleBackoff = Duration.ZERO;
          kafkaDown = false;
          troubleLogged = false;
          failuresSinceWarning = 0;
        }
      } catch (KafkaUnavailable e) {
        trouble("Kafka is unreachable", e);
        kafkaDown = true;
      } catch (RuntimeException e) {
        trouble("a round failed", e);
        databaseFailed.run();
      } finally {
        roundStartedNanos = 0;
      }
      if (again) {
        continue;
      }
      boolean stopping =
          troubleBackoff.isZero()
              ? pause(settings.pollInterval())
              : kafkaDown ? pauseWhileKafkaDown(troubleBackoff) : pause(troubleBackoff);
      if (stopping) {
        return;
      }
    }
  }

  /** When the running round started ({@link System#nanoTime()}), 0 between rounds. */
  long roundStartedNanos() {
    return roundStartedNanos;
  }

  /** The Error that ended this worker, or null. */
  @Nullable Throwable stoppedBy() {
    return stoppedBy;
  }

  int index() {
    return index;
  }

  private static long nonZero(long nanos) {
    return nanos == 0 ? 1 : nanos;
  }

  /** What a round found: no lanes to work, done for now, or more due rows right now. */
  private enum Outcome {
    NO_LANES,
    DONE,
    MORE
  }

  /** One round over this worker's lanes. */
  private Outcome round() {
    // whether or not it still holds the lanes: a late ack is recorded by whoever sent the record
    round.recordLateAcks();
    List<Integer> mine = lanesOf(leases.owned(), index, workers);
    if (mine.isEmpty()) {
      return Outcome.NO_LANES;
    }
    LaneRound.Result result = leases.whileHeld(mine, lanes -> round.run(lanes, false));
    if (result != null && result.nothingSent()) {
      // Nothing of the batch went out. Kafka down, or these messages' own fault? Ask Kafka now,
      // holding no lock; if it answers, run again and count the failures against the messages.
      if (!kafka.refresh()) {
        throw new KafkaUnavailable();
      }
      result = leases.whileHeld(mine, lanes -> round.run(lanes, true));
    }
    return result != null && result.mayHaveMore() ? Outcome.MORE : Outcome.DONE;
  }

  /**
   * Worker {@code index}'s share of the {@code owned} lanes: positions {@code index}, {@code index
   * + workers}, ...; empty when it has none.
   */
  static List<Integer> lanesOf(List<Integer> owned, int index, int workers) {
    List<Integer> mine = new ArrayList<>();
    for (int position = index; position < owned.size(); position += workers) {
      mine.add(owned.get(position));
    }
    return mine;
  }

  /**
   * A failed round: counted, and backed off exponentially. Logged at WARN when it starts and then
   * once a minute while it lasts, with the number of failures in between, so a failure that never
   * ends stays visible without flooding the log.
   */
  private void trouble(String what, RuntimeException e) {
    listener.roundFailed(PublishPath.RELAY, e);
    connections.afterFailure(e);
    troubleBackoff =
        troubleBackoff.isZero()
            ? settings.pollInterval().multipliedBy(2).plusMillis(100)
            : min(troubleBackoff.multipliedBy(2), MAX_TROUBLE_BACKOFF);
    long now = System.nanoTime();
    failuresSinceWarning++;
    if (!troubleLogged || now - lastWarning >= WARN_INTERVAL_NANOS) {
      log.warn(
          "worker {}: {}{}; backing off and retrying until it recovers: {}",
          index,
          what,
          troubleLogged ? " (" + failuresSinceWarning + " failed rounds in the last minute)" : "",
          e.toString());
      troubleLogged = true;
      lastWarning = now;
      failuresSinceWarning = 0;
    } else {
      log.debug("worker {}: {} again", index, what, e);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private boolean isStopping() {
    return stopped.getCount() == 0;
  }

  /**
   * Waits out {@code backoff}, but only while the probe ({@link KafkaProbe#refresh}, every second)
   * sees no broker: once one answers, the worker retries within a poll interval, so a backlog
   * written during an outage goes out as soon as Kafka is back, not when a backoff that grew during
   * the outage ends (the probe also wakes the pause when it sees a broker again). Returns true at
   * once when the relay stops.
   */
  private boolean pauseWhileKafkaDown(Duration backoff) {
    long end = System.nanoTime() + backoff.toNanos();
    Duration step = max(settings.pollInterval(), MIN_REACHABLE_CHECK);
    for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
      if (kafka.reachable()) {
        return false;
      }
      if (pause(min(step, Duration.ofNanos(left)))) {
        return true;
      }
    }
    return false;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * Waits, or less when woken (the relay stops, the database or Kafka is back); returns whether the
   * relay stops.
   */
  private boolean pause(Duration duration) {
    try {
      wakeup.pause(duration);
      return isStopping();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** Nothing of a batch was acknowledged and no broker answers. */
  static final class KafkaUnavailable extends RuntimeException {
    KafkaUnavailable() {
      super("no Kafka broker reachable", null, false, false);
    }
  }
}
