package dev.outboxrelay.relay;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * The relay's gauges, read from what housekeeping and the lease keeper last saw. Names are
 * constants: {@value #PENDING}, {@value #OLDEST_PENDING_AGE} (seconds), {@value #UNSERVED_PENDING},
 * {@value #LANES_OWNED}, {@value #FAILING_TOPICS}, {@value #STALLED_WORKERS}, {@value #PREPARED}
 * and {@value #OLDEST_PREPARED_AGE} (seconds; message-store mode). The publish counters and timers,
 * shared with the fast path, are {@link dev.outboxrelay.internal.MicrometerPublishListener}'s.
 */
final class RelayMetrics {
  static final String PENDING = "outbox.pending.messages";
  static final String OLDEST_PENDING_AGE = "outbox.oldest.pending.age";
  static final String LANES_OWNED = "outbox.lanes.owned";
  static final String UNSERVED_PENDING = "outbox.unserved.pending.messages";
  static final String FAILING_TOPICS = "outbox.failing.topics";
  static final String STALLED_WORKERS = "outbox.workers.stalled";
  static final String PREPARED = "outbox.prepared.messages";
  static final String OLDEST_PREPARED_AGE = "outbox.oldest.prepared.age";

  private RelayMetrics() {}

  static void gauges(
      MeterRegistry registry,
      Supplier<Number> pending,
      Supplier<Number> oldestAgeSeconds,
      Supplier<Number> unserved,
      Supplier<Number> lanes,
      Supplier<Number> failingTopics,
      Supplier<Number> stalledWorkers,
      Supplier<Number> prepared,
      Supplier<Number> oldestPreparedAgeSeconds) {
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
    Gauge.builder(PREPARED, () -> prepared.get())
        .description(
            "PREPARED rows (message-store mode): written, waiting for their business transaction"
                + " or the check-back to confirm or cancel them")
        .register(registry);
    Gauge.builder(OLDEST_PREPARED_AGE, () -> oldestPreparedAgeSeconds.get())
        .description(
            "Age of the oldest PREPARED row; it holds back the later messages of its key until it"
                + " is decided")
        .baseUnit("seconds")
        .register(registry);
  }
}
