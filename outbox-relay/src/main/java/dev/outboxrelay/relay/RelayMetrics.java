package dev.outboxrelay.relay;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * The relay's gauges, read from what housekeeping and the lease keeper last saw. Names are
 * constants: {@value #PENDING}, {@value #OLDEST_PENDING_AGE} (seconds), {@value #UNSERVED_PENDING},
 * {@value #LANES_OWNED}, {@value #FAILING_TOPICS}, {@value #STALLED_WORKERS}. The publish counters
 * and timers, shared with the fast path, are {@link
 * dev.outboxrelay.internal.MicrometerPublishListener}'s.
 */
final class RelayMetrics {
  static final String PENDING = "outbox.pending.messages";
  static final String OLDEST_PENDING_AGE = "outbox.oldest.pending.age";
  static final String LANES_OWNED = "outbox.lanes.owned";
  static final String UNSERVED_PENDING = "outbox.unserved.pending.messages";
  static final String FAILING_TOPICS = "outbox.failing.topics";
  static final String STALLED_WORKERS = "outbox.workers.stalled";

  private RelayMetrics() {}

  static void gauges(
      MeterRegistry registry,
      Supplier<Number> pending,
      Supplier<Number> oldestAgeSeconds,
      Supplier<Number> unserved,
      Supplier<Number> lanes,
      Supplier<Number> failingTopics,
      Supplier<Number> stalledWorkers) {
    Gauge.builder(PENDING, () -> pending.get())
        .description("PENDING rows in the outbox, in every lane")
        .register(registry);
    Gauge.builder(OLDEST_PENDING_AGE, () -> oldestAgeSeconds.get())
        .description("Age of the oldest PENDING row")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder(UNSERVED_PENDING, () -> unserved.get())
        .description(
            "PENDING rows in lanes beyond outbox.relay.lanes, which no relay publishes: the"
                + " writers' outbox.lanes is larger")
        .register(registry);
    Gauge.builder(LANES_OWNED, () -> lanes.get())
        .description("Lanes this relay instance holds the lease of")
        .register(registry);
    Gauge.builder(FAILING_TOPICS, () -> failingTopics.get())
        .description(
            "Topics whose last round failed for a reason outside the messages (missing, not"
                + " authorized, unavailable): their messages wait without using up attempts")
        .register(registry);
    Gauge.builder(STALLED_WORKERS, () -> stalledWorkers.get())
        .description(
            "Workers making no progress (in one round longer than outbox.relay.stall-timeout, or"
                + " stopped by an error): liveness fails while above 0")
        .register(registry);
  }
}
