package dev.outboxrelay.bench;

import dev.outboxrelay.relay.OutboxRelay;
import dev.outboxrelay.relay.RelaySettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Phase 1: the relay drains a backlog of PENDING rows; the clock runs from {@code start()} until
 * the relay has committed every row as sent (its published counter counts after that commit); a
 * consumer then checks, untimed, that every record arrived once.
 */
final class RelayThroughput {
  static final int ROWS = 200_000;
  static final int BATCH_SIZE = 2_000;
  static final int WORKERS = 2;
  static final Duration POLL_INTERVAL = Duration.ofMillis(10);

  /** The first step of the relay's claim (one part of RoundClaims.candidatesSql), for EXPLAIN. */
  static final String CLAIM_LANE =
      """
      SELECT id FROM t_msg WHERE lane = ? AND status = 0 AND next_attempt_at <= UTC_TIMESTAMP(3)
        AND id > ?
      ORDER BY id LIMIT ?""";

  private RelayThroughput() {}

  /** The relay's rate, and what the consumer saw. */
  record Result(
      double rate,
      double seconds,
      Map<String, Double> cpuPerThousand,
      long duplicates,
      boolean complete) {
    /** As a side-by-side drain: complete means every row SENT and consumed once. */
    SideBySide.Drain drain() {
      return new SideBySide.Drain(rate, cpuPerThousand, complete && duplicates == 0);
    }
  }

  /** Messages the relays committed as sent after Kafka's ack. */
  private static long published(List<SimpleMeterRegistry> meters) {
    return (long)
        meters.stream()
            .flatMap(registry -> registry.find("outbox.messages.published").counters().stream())
            .mapToDouble(Counter::count)
            .sum();
  }

  /** The backlog of {@link #ROWS}, marked SENT on ack (the default). */
  static Result run(Bench bench) throws Exception {
    bench.section(
        "[1] Relay throughput: "
            + String.format("%,d", ROWS)
            + "-message backlog drained by OutboxRelay");
    return run(bench, ROWS, RelaySettings.OnAck.MARK_SENT);
  }

  /** Drains a backlog of {@code rows} with the given on-ack mode. */
  static Result run(Bench bench, int rows, RelaySettings.OnAck onAck) throws Exception {
    return run(bench, rows, onAck, WORKERS, 1);
  }

  /**
   * Drains a backlog of {@code rows} with {@code instances} relays (separate pools, producers and
   * leases, as separate processes would have; they share this JVM and its two cores) of {@code
   * workers} workers each.
   */
  static Result run(Bench bench, int rows, RelaySettings.OnAck onAck, int workers, int instances)
      throws Exception {
    try (BenchDatabase db = BenchDatabase.create("bench_relay")) {
      String topic = bench.newTopic("relay");
      long insertNanos = Backlog.fill(db.pool("backlog", 1), topic, rows, Bench.KEYS, Bench.LANES);
      bench.line(
          "backlog: %,d PENDING rows (%d-byte payloads, %,d keys over %d lanes) inserted in %.1f s"
              + " (%,.0f rows/s, batched JDBC)",
          rows,
          Backlog.PAYLOAD_BYTES,
          Bench.KEYS,
          Bench.LANES,
          Bench.seconds(insertNanos),
          rows / Bench.seconds(insertNanos));
      bench.line("t_msg indexes (sql/mysql/V1__outbox.sql): %s", db.indexes());
      bench.line("claim plan (lane 0): %s", db.explain(CLAIM_LANE, 0, 0, BATCH_SIZE));
      RelaySettings settings =
          bench.relaySettings(Bench.LANES, BATCH_SIZE, workers, POLL_INTERVAL, Map.of(), onAck);
      bench.line("relay: %s", settings);
      if (instances > 1) {
        bench.line(
            "%d relay instances (ids bench-relay-1..%d), each with the settings above",
            instances, instances);
      }
      bench.line("topic %s, %d partitions", topic, Bench.PARTITIONS);

      Map<String, Long> statusBefore = Bench.serverStatus(db.jdbc);
      try (TopicConsumer consumer = new TopicConsumer(bench.bootstrapServers(), topic)) {
        if (!bench.relayDriverProperties.isEmpty()) {
          bench.line("relay pool's driver properties: %s", bench.relayDriverProperties);
        }
        List<SimpleMeterRegistry> meters = new ArrayList<>(); // one per relay, as processes have
        List<OutboxRelay> relays = new ArrayList<>();
        for (int i = 1; i <= instances; i++) {
          DataSource pool = db.pool("relay-" + i, 8, bench.relayDriverProperties);
          RelaySettings instance =
              instances == 1
                  ? settings
                  : settings.toBuilder().instanceId("bench-relay-" + i).build();
          meters.add(new SimpleMeterRegistry());
          relays.add(new OutboxRelay(pool, instance, meters.get(i - 1)));
        }
        Cpu.Snapshot cpuBefore = bench.cpu.snapshot();
        long started = System.nanoTime();
        long consumedAt;
        long doneAt;
        Cpu.Snapshot cpuAfter;
        Map<String, Long> statusAfter;
        String history;
        try {
          relays.forEach(OutboxRelay::start);
          // done when the relay has committed every row as sent after Kafka's ack (its published
          // counter counts after the commit): the same end as [1r]'s and [1d]'s
          long deadline = started + TimeUnit.MINUTES.toNanos(3);
          while (published(meters) < rows) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException(
                  "only " + published(meters) + " of " + rows + " rows published within 3 minutes");
            }
            TimeUnit.MILLISECONDS.sleep(2);
          }
          doneAt = System.nanoTime();
          cpuAfter = bench.cpu.snapshot();
          statusAfter = Bench.serverStatus(db.jdbc);
          if (!consumer.awaitDistinct(rows, Duration.ofMinutes(1))) {
            throw new IllegalStateException(
                "only " + consumer.distinct() + " of " + rows + " records arrived");
          }
          consumedAt = System.nanoTime();
          history = Bench.historyListLength(db.jdbc);
          if (instances > 1) {
            for (int i = 0; i < instances; i++) {
              bench.line("relay %d owned lanes %s", i + 1, relays.get(i).ownedLanes());
            }
          }
        } finally {
          relays.forEach(OutboxRelay::close);
        }

        double elapsed = Bench.seconds(doneAt - started);
        double rate = rows / elapsed;
        long[] arrivals = consumer.sortedArrivals();
        int p10 = arrivals.length / 10;
        int p90 = arrivals.length * 9 / 10;
        double steady = (p90 - p10) / Bench.seconds(arrivals[p90] - arrivals[p10]);
        // on-ack DELETE leaves no SENT rows: count what is gone
        long sent =
            onAck == RelaySettings.OnAck.DELETE
                ? rows - db.count("SELECT COUNT(*) FROM t_msg")
                : db.count("SELECT COUNT(*) FROM t_msg WHERE status = 1");

        bench.line(
            "all %,d rows SENT after %.2f s -> %,.0f msg/s; all consumed after %.2f s"
                + " (steady 10%%..90%% of the records: %,.0f msg/s)",
            rows, elapsed, rate, Bench.seconds(consumedAt - started), steady);
        bench.line(
            "check: %,d rows %s, %,d distinct records consumed, %,d duplicates%s",
            sent,
            onAck == RelaySettings.OnAck.DELETE ? "deleted" : "SENT",
            arrivals.length,
            consumer.duplicates(),
            consumer.duplicates() == 0
                ? ""
                : " (published again after a failed commit: see the relay's warnings on stderr)");
        for (SimpleMeterRegistry registry : meters) {
          Timer rounds = registry.find("outbox.poll.duration").timer();
          DistributionSummary batches = registry.find("outbox.batch.size").summary();
          if (rounds != null && batches != null) {
            bench.line(
                "relay rounds (one claim+publish+mark transaction of a worker, non-empty): %d,"
                    + " mean %.1f rows, mean %.1f ms, max %.1f ms; published %,d",
                rounds.count(),
                batches.mean(),
                rounds.mean(TimeUnit.MILLISECONDS),
                rounds.max(TimeUnit.MILLISECONDS),
                published(List.of(registry)));
          }
        }
        Map<String, Double> cpu =
            bench.drainCosts(cpuBefore, cpuAfter, statusBefore, statusAfter, rows);
        bench.line("InnoDB history list length at the end (undo not yet purged): %s", history);

        return new Result(
            rate, elapsed, cpu, consumer.duplicates(), sent == rows && arrivals.length == rows);
      }
    }
  }
}
