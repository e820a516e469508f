package dev.outboxrelay.testsupport;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls until something is ready, for a bounded time, failing with a message that explains why. */
final class BoundedWait {

  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

  /** A readiness check; an exception counts as "not yet" and becomes the cause of a timeout. */
  @FunctionalInterface
  interface Probe {
    boolean ready() throws Exception;
  }

  private BoundedWait() {}

  /**
   * @param what the server and its address, for the exception message
   * @param process the server's process, if it runs in one: its exit ends the wait at once
   * @param diagnostics appended to the exception message, typically a log tail
   */
  static void until(
      String what, Duration timeout, Process process, Probe probe, Supplier<String> diagnostics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception lastFailure = null;
    while (true) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException(
            what
                + ": the process exited with code "
                + process.exitValue()
                + " before it was ready; "
                + diagnostics.get(),
            lastFailure);
      }
      try {
        if (probe.ready()) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(what + ": interrupted while waiting", e);
      } catch (Exception e) {
        lastFailure = e;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException(
            what + ": not ready within " + timeout.toSeconds() + " s; " + diagnostics.get(),
            lastFailure);
      }
      sleep(what);
    }
  }

  private static void sleep(String what) {
    try {
      Thread.sleep(POLL_INTERVAL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + ": interrupted while waiting", e);
    }
  }
}
