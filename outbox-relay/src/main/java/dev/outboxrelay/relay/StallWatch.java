package dev.outboxrelay.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds workers that make no progress: one busy in a single round for longer than {@code
 * outbox.relay.stall-timeout} (every call a round makes is bounded — Kafka by the send-timeout, the
 * database by the JDBC socket timeout — so such a worker is stuck), or one stopped by an Error. The
 * relay's liveness fails while there is one, so that the orchestrator restarts the process; each
 * stall is logged once, at ERROR, with where the worker is stuck.
 */
final class StallWatch {
  private static final Logger log = LoggerFactory.getLogger(StallWatch.class);
  private static final int MAX_FRAMES = 60;

  private final Duration stallTimeout;
  private final List<Watched> workers = new ArrayList<>();

  StallWatch(Duration stallTimeout) {
    this.stallTimeout = stallTimeout;
  }

  private static final class Watched {
    final LaneWorker worker;
    final Thread thread;
    long reportedRound; // the round start of the stall last logged, so each is logged once

    Watched(LaneWorker worker, Thread thread) {
      this.worker = worker;
      this.thread = thread;
    }
  }

  synchronized void watch(LaneWorker worker, Thread thread) {
    workers.add(new Watched(worker, thread));
  }

  /**
   * Why workers make no progress, one sentence each; empty when all do.
   *
   * @return a new list, never null
   */
  synchronized List<String> stalled() {
    List<String> reasons = new ArrayList<>();
    long now = System.nanoTime();
    for (Watched watched : workers) {
      Throwable stoppedBy = watched.worker.stoppedBy();
      if (stoppedBy != null) {
        reasons.add("worker " + watched.worker.index() + " stopped by " + stoppedBy);
        continue;
      }
      long started = watched.worker.roundStartedNanos();
      if (started != 0 && now - started > stallTimeout.toNanos()) {
        reasons.add(
            "worker "
                + watched.worker.index()
                + " has been in one round for "
                + Duration.ofNanos(now - started).toSeconds()
                + " s (outbox.relay.stall-timeout "
                + stallTimeout.toSeconds()
                + " s)");
      }
    }
    return reasons;
  }

  /** Logs each new stall once, with the stuck worker's stack; call it every second or so. */
  /**
   * The frames from the top down to the relay's own code that made the call (the first frames of
   * {@code dev.outboxrelay} after the JDK's and the driver's), at most {@value #MAX_FRAMES}.
   */
  static String stack(StackTraceElement[] frames) {
    int ours = 0;
    int end = 0;
    while (end < frames.length && end < MAX_FRAMES && ours < 3) {
      if (frames[end].getClassName().startsWith("dev.outboxrelay.")) {
        ours++;
      }
      end++;
    }
    return Arrays.stream(frames, 0, end)
        .map(frame -> "\tat " + frame)
        .collect(Collectors.joining("\n"));
  }

  synchronized void check() {
    long now = System.nanoTime();
    for (Watched watched : workers) {
      if (watched.worker.stoppedBy() != null) {
        continue; // the worker logged it when it stopped
      }
      long started = watched.worker.roundStartedNanos();
      if (started != 0
          && started != watched.reportedRound
          && now - started > stallTimeout.toNanos()) {
        watched.reportedRound = started;
        log.error(
            "worker {} has made no progress for {} s (outbox.relay.stall-timeout {} s): liveness"
                + " fails until it does, so that the relay is restarted; it is waiting at:\n{}",
            watched.worker.index(),
            Duration.ofNanos(now - started).toSeconds(),
            stallTimeout.toSeconds(),
            stack(watched.thread.getStackTrace()));
      } else if (watched.reportedRound != 0 && started != watched.reportedRound) {
        log.info("worker {} makes progress again", watched.worker.index());
        watched.reportedRound = 0;
      }
    }
  }
}
