package dev.outboxrelay.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The publish events as Micrometer meters, every one tagged {@code path} ({@code fast-path} or
 * {@code relay}). Names are constants (Prometheus adds {@code _total}, {@code _seconds}): {@value
 * #PUBLISHED} (also tagged {@code topic}), {@value #FAILURES} ({@code reason}: the exception's
 * simple class name), {@value #DEAD} (relay only, registered with the first DEAD row), {@value
 * #PUBLISH_LATENCY} (from the row's {@code created_at} to the commit after Kafka's ack), {@value
 * #BATCH_SIZE} (rows claimed per round), {@value #ROUND_DURATION} (one round; polls that found
 * nothing are not rounds) and {@value #ROUND_FAILURES} ({@code reason}). Needs {@code
 * micrometer-core} on the class path.
 */
public final class MicrometerPublishListener implements PublishListener {
  public static final String PUBLISHED = "outbox.messages.published";
  public static final String FAILURES = "outbox.publish.failures";
  public static final String DEAD = "outbox.messages.dead";
  public static final String PUBLISH_LATENCY = "outbox.publish.latency";
  public static final String BATCH_SIZE = "outbox.batch.size";
  public static final String ROUND_DURATION = "outbox.poll.duration";
  public static final String ROUND_FAILURES = "outbox.round.failures";
  public static final String PATH_TAG = "path";

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<PublishPath, Meters> byPath = new ConcurrentHashMap<>();
  private final AtomicReference<@Nullable Counter> dead = new AtomicReference<>();

  public MicrometerPublishListener(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public void published(PublishPath path, OutboxRow row, Instant ackedAt) {
    counter(PUBLISHED, "Messages acknowledged by Kafka", path, "topic", row.topic()).increment();
    // created_at is the database's clock, ackedAt this host's: skew can make it negative
    Duration latency = Duration.between(row.createdAt(), ackedAt);
    meters(path).latency.record(latency.isNegative() ? Duration.ZERO : latency);
  }

  @Override
  public void failed(PublishPath path, OutboxRow row, Exception error) {
    String reason = error == null ? "unknown" : error.getClass().getSimpleName();
    counter(FAILURES, "Messages Kafka did not acknowledge, by reason", path, "reason", reason)
        .increment();
  }

  @Override
  public void roundFailed(PublishPath path, Exception error) {
    counter(
            ROUND_FAILURES,
            "Rounds that failed as a whole (nothing recorded, rows left PENDING), by reason",
            path,
            "reason",
            error.getClass().getSimpleName())
        .increment();
  }

  @Override
  public void dead(OutboxRow row, String error) {
    deadCounter().increment();
  }

  /**
   * Registers {@value #DEAD} now, at 0: the relay calls it when it starts. Only the relay makes
   * rows DEAD, so the fast path never exports it; and a counter that first appears at 1 would hide
   * the first DEAD message from Prometheus's {@code increase()}, which needs a sample before it.
   *
   * @return this listener
   */
  public MicrometerPublishListener withDeadCounter() {
    deadCounter();
    return this;
  }

  private Counter deadCounter() {
    return dead.updateAndGet(
        counter ->
            counter != null
                ? counter
                : Counter.builder(DEAD)
                    .description("Messages given up on (status DEAD)")
                    .tag(PATH_TAG, PublishPath.RELAY.tag())
                    .register(registry));
  }

  @Override
  public void round(PublishPath path, int claimed, Duration took) {
    Meters meters = meters(path);
    meters.batchSize.record(claimed);
    meters.roundDuration.record(took);
  }

  private Counter counter(
      String name, String description, PublishPath path, String tag, String value) {
    // bounded: topics and exception classes
    return counters.computeIfAbsent(
        name + '\0' + path.tag() + '\0' + value,
        k ->
            Counter.builder(name)
                .description(description)
                .tag(PATH_TAG, path.tag())
                .tag(tag, value)
                .register(registry));
  }

  private Meters meters(PublishPath path) {
    return byPath.computeIfAbsent(path, p -> new Meters(registry, p.tag()));
  }

  private static final class Meters {
    final DistributionSummary batchSize;
    final Timer latency;
    final Timer roundDuration;

    Meters(MeterRegistry registry, String path) {
      batchSize =
          DistributionSummary.builder(BATCH_SIZE)
              .description("Rows claimed per round")
              .tag(PATH_TAG, path)
              .publishPercentileHistogram()
              // the largest batch-size allowed: no buckets beyond (276 up to 4e18 without it)
              .minimumExpectedValue(1.0)
              .maximumExpectedValue(10_000.0)
              .register(registry);
      latency =
          Timer.builder(PUBLISH_LATENCY)
              .description("From the business commit (created_at) to the commit after Kafka's ack")
              .tag(PATH_TAG, path)
              .publishPercentileHistogram()
              .register(registry);
      roundDuration =
          Timer.builder(ROUND_DURATION)
              .description("One claim-publish-record round that claimed rows")
              .tag(PATH_TAG, path)
              .publishPercentileHistogram()
              .register(registry);
    }
  }
}
