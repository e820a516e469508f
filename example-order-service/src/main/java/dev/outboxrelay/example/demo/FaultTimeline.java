package dev.outboxrelay.example.demo;

import dev.outboxrelay.testsupport.KafkaBroker;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The faults the demo injects while the orders flow, on a thread of their own: the Kafka broker
 * stopped for the outage and started again with its data, then relay replica 1 killed with SIGKILL
 * and started again. Records when each happened, relative to the start of the load.
 */
final class FaultTimeline {
  private final KafkaBroker kafka;
  private final Supplier<RelayProcess> killAndStartRelay;
  private final Duration outageStart;
  private final Duration outage;
  private final Duration relayRestartAfterOutage;
  private final Progress progress;
  private final List<String> events = new ArrayList<>();
  private volatile RuntimeException failure;
  private volatile String relayRestartFailure;
  private volatile LocalDateTime warmedUpAt;
  private volatile LocalDateTime kafkaDownAt;
  private volatile LocalDateTime kafkaBackAt;
  private Thread thread;
  private long start;

  FaultTimeline(
      KafkaBroker kafka,
      Supplier<RelayProcess> killAndStartRelay,
      Duration outageStart,
      Duration outage,
      Duration relayRestartAfterOutage,
      Progress progress) {
    this.kafka = kafka;
    this.killAndStartRelay = killAndStartRelay;
    this.outageStart = outageStart;
    this.outage = outage;
    this.relayRestartAfterOutage = relayRestartAfterOutage;
    this.progress = progress;
  }

  /**
   * Starts the timeline; {@code start} is the load's start ({@link System#nanoTime()}), and the
   * first {@code warmUp} of the load warm the services up.
   */
  void start(long start, Duration warmUp) {
    this.start = start;
    this.warmedUpAt = utcNow().plus(warmUp);
    thread = new Thread(this::run, "demo-faults");
    thread.start();
  }

  private void run() {
    try {
      sleepUntil(outageStart);
      if (!outage.isZero()) {
        progress.phase("Kafka down");
        kafkaDownAt = utcNow();
        kafka.stop();
        record("Kafka broker stopped");
        sleepUntil(outageStart.plus(outage));
        progress.phase("Kafka starting");
        kafka.start();
        kafkaBackAt = utcNow();
        record("Kafka broker back");
        progress.phase("Kafka back");
      }
      sleepUntil(elapsed().plus(relayRestartAfterOutage));
      progress.phase("relay 1 killed");
      RelayProcess relay = killAndStartRelay.get();
      record(
          "relay replica 1 killed (SIGKILL): replica 2 takes over its lanes; replica 1 restarting");
      progress.phase("relay 1 restarting");
      try {
        relay.awaitReady();
        record("relay replica 1 ready again");
      } catch (IllegalStateException e) {
        // The run goes on with replica 2 alone; the summary says so.
        relayRestartFailure = e.getMessage();
        record("relay replica 1 did NOT start again: " + e.getMessage());
      }
      progress.phase("");
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  /**
   * When the load's phases began, in UTC on this machine's clock (the database server's, which
   * writes the orders' and credits' times).
   *
   * @param warmedUp the end of the warm-up, the load's first part
   * @param kafkaDown just before the broker was stopped; null without an outage
   * @param kafkaBack when the broker answered again; null without an outage
   */
  record Phases(LocalDateTime warmedUp, LocalDateTime kafkaDown, LocalDateTime kafkaBack) {
    boolean outage() {
      return kafkaDown != null && kafkaBack != null;
    }
  }

  /**
   * Why relay replica 1 did not start again after the kill, or null when it did. Call after {@link
   * #await()}.
   */
  String relayRestartFailure() {
    return relayRestartFailure;
  }

  /** The phases of the load. Call after {@link #await()}. */
  Phases phases() {
    return new Phases(warmedUpAt, kafkaDownAt, kafkaBackAt);
  }

  private static LocalDateTime utcNow() {
    return LocalDateTime.now(ZoneOffset.UTC);
  }

  /** Waits for the timeline to end and returns what happened, one line per event. */
  List<String> await() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the fault timeline", e);
    }
    if (failure != null) {
      throw new IllegalStateException("injecting the faults failed: " + failure, failure);
    }
    return List.copyOf(events);
  }

  private synchronized void record(String event) {
    events.add(String.format("%6.1f s  %s", elapsed().toMillis() / 1000.0, event));
  }

  private Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private void sleepUntil(Duration offset) {
    long due = start + offset.toNanos();
    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
      LockSupport.parkNanos(wait);
    }
  }
}
