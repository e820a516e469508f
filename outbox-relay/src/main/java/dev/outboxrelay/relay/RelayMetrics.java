package dev.outboxrelay.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The relay's meters. Names are constants (Prometheus adds {@code _total}, {@code _seconds}):
 * {@value #PUBLISHED}, {@value #FAILURES}, {@value #DEAD}, {@value #BATCH_SIZE}, {@value
 * #PUBLISH_LATENCY}, {@value #POLL_DURATION}, {@value #PENDING}, {@value #OLDEST_PENDING_AGE},
 * {@value #LANES_OWNED}.
 */
final class RelayMetrics {
  static final String PUBLISHED = "outbox.messages.published";
  static final String FAILURES = "outbox.publish.failures";
  static final String DEAD = "outbox.messages.dead";
  static final String BATCH_SIZE = "outbox.batch.size";
  static final String PUBLISH_LATENCY = "outbox.publish.latency";
  static final String POLL_DURATION = "outbox.poll.duration";
  static final String PENDING = "outbox.pending.messages";
  static final String OLDEST_PENDING_AGE = "outbox.oldest.pending.age";
  static final String LANES_OWNED = "outbox.lanes.owned";
  static final String UNSERVED_PENDING = "outbox.unserved.pending.messages";

  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> publishedByTopic = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> failuresByReason = new ConcurrentHashMap<>();
  private final Counter dead;
  private final DistributionSummary batchSize;
  private final Timer publishLatency;
  private final Timer pollDuration;

  RelayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.dead =
        Counter.builder(DEAD).description("Messages given up on (status DEAD)").register(registry);
    this.batchSize =
        DistributionSummary.builder(BATCH_SIZE)
            .description("Rows claimed per batch")
            .publishPercentileHistogram()
            .register(registry);
    this.publishLatency =
        Timer.builder(PUBLISH_LATENCY)
            .description("From the business commit (created_at) to Kafka's ack")
            .publishPercentileHistogram()
            .register(registry);
    this.pollDuration =
        Timer.builder(POLL_DURATION)
            .description("One claim-publish-mark round of a lane")
            .publishPercentileHistogram()
            .register(registry);
  }

  void gauges(
      Supplier<Number> pending,
      Supplier<Number> oldestAgeSeconds,
      Supplier<Number> unserved,
      Supplier<Number> lanes) {
    Gauge.builder(PENDING, () -> pending.get())
        .description("PENDING rows in the outbox")
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
  }

  void published(String topic, Instant createdAt, Instant ackedAt) {
    publishedByTopic
        .computeIfAbsent(
            topic,
            t ->
                Counter.builder(PUBLISHED)
                    .description("Messages acknowledged by Kafka")
                    .tag("topic", t)
                    .register(registry))
        .increment();
    // created_at is the database's clock, ackedAt this host's: skew can make it negative
    Duration latency = Duration.between(createdAt, ackedAt);
    publishLatency.record(latency.isNegative() ? Duration.ZERO : latency);
  }

  void failed(String reason) {
    failuresByReason
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder(FAILURES)
                    .description("Messages Kafka did not acknowledge, by reason")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  void dead() {
    dead.increment();
  }

  void batch(int claimed, long nanos) {
    batchSize.record(claimed);
    pollDuration.record(Duration.ofNanos(nanos));
  }
}
