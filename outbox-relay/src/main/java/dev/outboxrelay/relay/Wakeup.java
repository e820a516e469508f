package dev.outboxrelay.relay;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends the workers' pauses early: when the relay stops, and when the database or Kafka is back
 * after an outage, so that a backoff grown to seconds during the outage is not slept out after it.
 */
final class Wakeup {
  private long wakeups;
  private boolean stopped;

  /**
   * Waits {@code duration}, or less if {@link #wakeAll()} is called meanwhile; not at all once
   * {@link #stop()} was called.
   *
   * @throws InterruptedException if the thread is interrupted
   */
  synchronized void pause(Duration duration) throws InterruptedException {
    long seen = wakeups;
    long deadline = System.nanoTime() + duration.toNanos();
    long left = duration.toNanos();
    while (!stopped && wakeups == seen && left > 0) {
      TimeUnit.NANOSECONDS.timedWait(this, left);
      left = deadline - System.nanoTime();
    }
  }

  /** Ends every pause in progress and every later one at once: the relay stops. */
  synchronized void stop() {
    stopped = true;
    notifyAll();
  }

  /** Ends every pause in progress. */
  synchronized void wakeAll() {
    wakeups++;
    notifyAll();
  }
}
