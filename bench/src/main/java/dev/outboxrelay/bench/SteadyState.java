package dev.outboxrelay.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Phase [7], the steady state ({@code --phases=7} only; issue 21): services send at a fixed rate
 * through the API while the relay jar publishes and housekeeping purges, for minutes. It answers
 * two questions: the highest rate at which the relay keeps up (the commit → consumer delay bounded,
 * the backlog not growing) and what a message costs in CPU, the database's included, when the purge
 * runs as it does in production.
 *
 * <p>For each rate of {@code --rates} and each {@link Publisher} ({@link SteadyPublisher}: the
 * relay jar in two configurations, the bare loop on the lean table, and Debezium with {@code
 * --debezium}; the last two as bench/README.md's [7] row describes them), on a fresh database and
 * topic. The relay jar's configurations:
 *
 * <ul>
 *   <li><b>mark-sent + purge</b>: the jar's defaults (acknowledged rows marked SENT) but {@code
 *       outbox.relay.retention=1m} (the shortest allowed) and {@code
 *       outbox.relay.purge.interval=5s}, so that housekeeping purges SENT rows all through the
 *       measurement;
 *   <li><b>on-ack=delete</b>: the same with {@code outbox.relay.on-ack=delete}, acknowledged rows
 *       deleted at once (the purge then finds nothing).
 * </ul>
 *
 * Both run [1j]'s settings through {@link RelayJar#start} (batch 2,000, 2 workers, 16 lanes, poll
 * 10 ms, {@code -Xmx512m}), configured by environment variables only. Once the jar has published a
 * probe message (Spring Boot's start is not measured), {@value #WRITERS} writer threads of one
 * service (plain Spring, {@code @EnableOutbox}, fast path off, 16 lanes) each commit one {@code
 * Outbox.send} per transaction, paced against one schedule that spreads the target rate evenly over
 * them (a writer that falls behind catches up, so the rate achieved is what the writers and the
 * database could commit); keys: 1,000 drawn uniformly ({@link KeyShape}), payloads {@link
 * Backlog#payload}'s 300 bytes. The writers run a warm-up of {@link #WARM_UP} (the retention and
 * one purge interval: when the window opens, {@code t_msg} holds a retention's worth of SENT rows
 * and every purge deletes about what arrived in its interval, so the purge's cost is in the window
 * in full), then the measured window of {@code --steady-seconds}. A real consumer reads the topic
 * throughout.
 *
 * <p>Over the window it measures: the rate committed (messages whose commit fell in the window, per
 * second); the delay from each of those commits ({@code afterCommit}, {@code System.nanoTime}) to
 * the consumer's receipt of its record (matched by {@link SteadyPublisher#sequenceOf}), p50 / p99 /
 * max, waiting up to {@link #TAIL_WAIT} after the window for the last ones; the age of the oldest
 * PENDING row and the PENDING count, sampled every second by one index-only query on {@code
 * idx_msg_claim} (one range per lane) and a primary-key read of that row's {@code created_at} (the
 * database's clock, from the insert); the CPU of MariaDB, the relay jar (its JIT apart), Kafka and
 * this JVM (writers, consumer, sampler) per 1,000 messages committed, read from {@code /proc}; the
 * server's counters per 1,000 messages (global counters: everything the server did, purge
 * included); the rows of {@code t_msg} deleted in the window (counted before and after it, with the
 * commits in between: by the purge, or by the relay with on-ack=delete; also {@code
 * Handler_delete}, the rows deleted in every table, key lock rows included) and the rows left in
 * {@code t_msg} at its end, with the oldest one's age (the purge keeping the table at about a
 * retention's worth of rows).
 *
 * <p>A run <i>keeps up</i> when the rate committed is within {@value #RATE_TOLERANCE_PERCENT} % of
 * the target, the p99 delay is at most {@link #BOUND}, every message of the window was consumed, no
 * send failed and the backlog stayed bounded (PENDING at the window's end at most the larger of its
 * count at the start and {@link #BOUND}'s worth of messages). The phase prints one table of all
 * runs, per publisher the highest rate that kept up, and per rate MariaDB's CPU per 1,000 messages
 * of each publisher against the lean loop's. What this Javadoc says of the relay jar's writers,
 * PENDING sample and {@code t_msg} holds for the others with their own writes and table.
 */
final class SteadyState {
  // 2 cores ran out at about 2,000 msg/s of one-send transactions in a smoke run: the writers and
  // MariaDB took 1.9 of them; --rates= for a larger machine
  static final List<Integer> DEFAULT_RATES = List.of(1_000, 1_500, 2_000);
  static final int DEFAULT_SECONDS = 120;
  static final int WRITERS = 16;
  static final String KEY_SHAPE = "1000";
  static final Duration RETENTION = Duration.ofMinutes(1);
  static final Duration PURGE_INTERVAL = Duration.ofSeconds(5);
  static final Duration WARM_UP = RETENTION.plus(PURGE_INTERVAL);
  static final Duration BOUND = Duration.ofSeconds(1);
  static final int RATE_TOLERANCE_PERCENT = 2;
  static final Duration TAIL_WAIT = Duration.ofSeconds(30);

  /** Roughly what a run costs besides its warm-up and window: a database, the jar's start, stop. */
  static final Duration RUN_OVERHEAD = Duration.ofSeconds(20);

  private static final String OLDEST_ROW =
      "SELECT TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(3)) / 1e6 FROM t_msg"
          + " ORDER BY id LIMIT 1";

  private SteadyState() {}

  /**
   * What publishes in a run: the relay jar in two configurations, the bare loop on the lean table
   * (the physical reference), and Debezium ({@code --debezium}).
   */
  enum Publisher {
    MARK_SENT("relay jar, mark-sent + purge", "sent", Map.of()),
    DELETE("relay jar, on-ack=delete", "delete", Map.of("OUTBOX_RELAY_ON_ACK", "delete")),
    LEAN("bare loop, lean table + purge", "lean", null),
    DEBEZIUM("Debezium, row deleted in its transaction", "dbz", null);

    final String label;
    final String tag;

    /** The relay jar's environment; null for the publishers that run in this JVM. */
    final Map<String, String> environment;

    Publisher(String label, String tag, Map<String, String> onAck) {
      this.label = label;
      this.tag = tag;
      if (onAck == null) {
        this.environment = null;
      } else {
        Map<String, String> environment = new LinkedHashMap<>(onAck);
        environment.put("OUTBOX_RELAY_RETENTION", RETENTION.toMinutes() + "m");
        environment.put("OUTBOX_RELAY_PURGE_INTERVAL", PURGE_INTERVAL.toSeconds() + "s");
        this.environment = Map.copyOf(environment);
      }
    }

    SteadyPublisher start(Bench bench, Path jar, BenchDatabase db) throws Exception {
      return switch (this) {
        case MARK_SENT, DELETE ->
            new SteadyPublisher.RelayJarSide(bench, jar, db, environment, WRITERS);
        case LEAN -> new SteadyPublisher.LeanLoopSide(bench, db, WRITERS);
        case DEBEZIUM -> new SteadyPublisher.DebeziumSide(bench, db, WRITERS);
      };
    }

    static List<Publisher> of(boolean debezium) {
      return debezium ? List.of(values()) : List.of(MARK_SENT, DELETE, LEAN);
    }
  }

  /** The PENDING rows at one instant: how many, and the oldest one's age (0 when none). */
  record Sample(long pending, double oldestSeconds) {}

  /** One run: a rate and a relay configuration, measured over the window. */
  record Run(
      int target,
      Publisher publisher,
      long committed,
      double achieved,
      long failures,
      long late,
      Latencies delays,
      long missing,
      long duplicates,
      Sample first,
      Sample last,
      double oldestMax,
      long pendingMax,
      Map<String, Double> cpuPerThousand,
      String counters,
      long deleted,
      long rowsAtStart,
      long committedBetweenCounts,
      long rowsLeft,
      double oldestRowSeconds) {

    /**
     * Rows of {@code t_msg} deleted in about the window: those counted just before it opens, plus
     * those committed until they are counted again just after it closes, less those then (commits
     * under way while a count runs make it approximate, by a few rows).
     */
    long messagesDeleted() {
      return rowsAtStart + committedBetweenCounts - rowsLeft;
    }

    /** {@link #messagesDeleted} per message committed between the same two counts. */
    double deletedPerMessage() {
      return messagesDeleted() / (double) Math.max(1, committedBetweenCounts);
    }

    boolean rateKept() {
      return achieved >= target * (1 - RATE_TOLERANCE_PERCENT / 100.0);
    }

    /** Whether the PENDING rows did not grow; true when not sampled (Debezium: the delays tell). */
    boolean bounded() {
      return first == null
          || last == null
          || last.pending() <= Math.max(first.pending(), target * BOUND.toMillis() / 1000);
    }

    boolean delayKept() {
      return delays.count() > 0 && delays.p99() <= BOUND.toMillis() && missing == 0;
    }

    boolean keptUp() {
      return rateKept() && delayKept() && bounded() && failures == 0;
    }
  }

  /** Every rate with each publisher in turn; prints the table and the highest rates kept. */
  static void run(Bench bench, Path jar, List<Integer> rates, int seconds, boolean debezium)
      throws Exception {
    RelayJar.requireJar(jar);
    Duration measured = Duration.ofSeconds(seconds);
    List<Publisher> publishers = Publisher.of(debezium);
    int runs = rates.size() * publishers.size();
    bench.section(
        "[7] Steady state: writers at a fixed rate, the relay jar (through Outbox.send), the bare"
            + " loop on the lean table"
            + (debezium ? " and Debezium" : "")
            + " publishing and purging");
    bench.line(
        "rates %s msg/s, each with %s; the relay jar %s: %s and %s; %d runs of %d s warm-up + %d s"
            + " measured, about %.0f minutes in all",
        rates.stream().map(rate -> String.format("%,d", rate)).collect(Collectors.joining(", ")),
        publishers.stream().map(publisher -> publisher.label).collect(Collectors.joining("; ")),
        jar,
        Publisher.MARK_SENT.environment,
        Publisher.DELETE.environment,
        runs,
        WARM_UP.toSeconds(),
        measured.toSeconds(),
        runs * (WARM_UP.plus(measured).plus(RUN_OVERHEAD).toSeconds()) / 60.0);
    List<Run> results = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (int rate : rates) {
      for (Publisher publisher : publishers) {
        String name = String.format("%,d msg/s, %s", rate, publisher.label);
        try {
          results.add(runOne(bench, jar, rate, publisher, measured));
        } catch (Exception e) {
          bench.line("RUN FAILED: %s: %s", name, e);
          e.printStackTrace(bench.out);
          failed.add(name);
        }
      }
    }
    print(bench, results, measured);
    for (Publisher publisher : publishers) {
      String highest = highestKept(results, publisher);
      bench.line(
          "[7] %s: highest rate kept up (p99 commit -> consumed <= %d ms, within %d %% of the"
              + " target, backlog bounded): %s",
          publisher.label, BOUND.toMillis(), RATE_TOLERANCE_PERCENT, highest);
      bench.report.add(
          "[7] steady state, " + publisher.label + ": highest rate kept up", highest, null, null);
    }
    printDatabaseCpu(bench, results);
    if (!failed.isEmpty()) {
      throw new IllegalStateException(failed.size() + " run(s) failed: " + failed);
    }
  }

  /**
   * Issue 21's steady-state target: per rate, MariaDB's CPU per 1,000 messages with each relay
   * configuration against the lean loop's, side by side.
   */
  private static void printDatabaseCpu(Bench bench, List<Run> results) {
    for (Run lean : results) {
      if (lean.publisher() != Publisher.LEAN) {
        continue;
      }
      Double reference = lean.cpuPerThousand().get(Cpu.MARIADB);
      for (Run run : results) {
        Double cpu = run.cpuPerThousand().get(Cpu.MARIADB);
        if (run.target() != lean.target()
            || run.publisher() == Publisher.LEAN
            || cpu == null
            || reference == null) {
          continue;
        }
        bench.line(
            "[7] %,d msg/s: MariaDB CPU per 1,000 messages, %s %.0f ms against the lean loop's %.0f"
                + " ms (%.2f×)",
            run.target(), run.publisher().label, cpu, reference, cpu / reference);
        bench.report.add(
            String.format(
                "[7] %,d msg/s, %s: MariaDB CPU per 1,000 msgs / lean loop's",
                run.target(), run.publisher().label),
            String.format("%.2f×", cpu / reference),
            "<= 1.00×",
            cpu / reference <= 1.0);
      }
    }
  }

  private static String highestKept(List<Run> results, Publisher publisher) {
    List<Run> ofRelay = results.stream().filter(run -> run.publisher() == publisher).toList();
    return ofRelay.stream().filter(Run::keptUp).mapToInt(Run::target).max().stream()
        .mapToObj(rate -> String.format("%,d msg/s", rate))
        .findFirst()
        .orElse(
            ofRelay.isEmpty()
                ? "no run completed"
                : "none of "
                    + ofRelay.stream()
                        .map(run -> String.format("%,d", run.target()))
                        .collect(Collectors.joining(", "))
                    + " msg/s");
  }

  private static Run runOne(Bench bench, Path jar, int rate, Publisher publisher, Duration measured)
      throws Exception {
    bench.section(String.format("[7] %,d msg/s, %s", rate, publisher.label));
    KeyShape.Keys keys = KeyShape.of(KEY_SHAPE).draw();
    try (BenchDatabase db = BenchDatabase.create("bench_steady_" + publisher.tag)) {
      String topic = bench.newTopic("steady-" + publisher.tag);
      long launched = System.nanoTime();
      try (SteadyPublisher side = publisher.start(bench, jar, db)) {
        Deliveries deliveries = new Deliveries(side::sequenceOf);
        try (TopicConsumer consumer =
            new TopicConsumer(bench.bootstrapServers(), topic, deliveries)) {
          return measure(
              bench,
              db,
              side,
              deliveries,
              consumer,
              topic,
              keys,
              rate,
              publisher,
              measured,
              launched);
        }
      }
    }
  }

  private static Run measure(
      Bench bench,
      BenchDatabase db,
      SteadyPublisher side,
      Deliveries deliveries,
      TopicConsumer consumer,
      String topic,
      KeyShape.Keys keys,
      int rate,
      Publisher publisher,
      Duration measured,
      long launched)
      throws Exception {
    Writers writers = null;
    try {
      Cpu cpu = side.cpu();
      // a probe every 2 s until one is consumed: Debezium streams only what is committed after it
      // has connected to the binary log
      long probeDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (deliveries.probes() == 0) {
        if (System.nanoTime() > probeDeadline) {
          throw new IllegalStateException("no probe message was consumed within 2 minutes");
        }
        long probe = side.send(topic, keys.key(0), SteadyPublisher.PROBE, (seq, nanos) -> {});
        deliveries.firstSequence(probe + 1);
        long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (deliveries.probes() == 0 && System.nanoTime() < next) {
          sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5), side, consumer);
        }
      }
      bench.line(
          "%s publishing %.1f s after its start (the probe message consumed); %d writers, one"
              + " message per transaction (%s), keys %s uniform, %d-byte payloads; %d s warm-up,"
              + " then %d s measured",
          publisher.label,
          Bench.seconds(System.nanoTime() - launched),
          WRITERS,
          switch (publisher) {
            case MARK_SENT, DELETE -> "Outbox.send, fast path off, " + Bench.LANES + " lanes";
            case LEAN -> "one INSERT into t_msg_lean";
            case DEBEZIUM -> "an INSERT into t_msg and a DELETE of the row";
          },
          KEY_SHAPE,
          Backlog.payload(0, keys.key(0)).length,
          WARM_UP.toSeconds(),
          measured.toSeconds());

      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      long from = start + WARM_UP.toNanos();
      long to = from + measured.toNanos();
      deliveries.window(from, to);
      writers = new Writers(side, topic, keys, rate, start, from, to, deliveries);
      String table = side.table();

      sleepUntil(from - TimeUnit.MILLISECONDS.toNanos(500), side, consumer);
      long commitsAtStart = deliveries.commits();
      long rowsAtStart = db.count("SELECT COUNT(*) FROM " + table); // not on the window's CPU
      sleepUntil(from, side, consumer);
      Cpu.Snapshot cpuBefore = cpu.snapshot();
      Map<String, Long> statusBefore = Bench.serverStatus(db.jdbc);
      long deletedBefore = rowsDeleted(db.jdbc);
      Sample first = side.sample();
      double oldestMax = first == null ? 0 : first.oldestSeconds();
      long pendingMax = first == null ? 0 : first.pending();
      Sample last = first;
      for (long next = from + TimeUnit.SECONDS.toNanos(1); next < to; ) {
        sleepUntil(next, side, consumer);
        last = side.sample();
        if (last != null) {
          oldestMax = Math.max(oldestMax, last.oldestSeconds());
          pendingMax = Math.max(pendingMax, last.pending());
        }
        next += TimeUnit.SECONDS.toNanos(1);
      }
      sleepUntil(to, side, consumer);
      Cpu.Snapshot cpuAfter = cpu.snapshot();
      Map<String, Long> statusAfter = Bench.serverStatus(db.jdbc);
      long deleted = rowsDeleted(db.jdbc) - deletedBefore;
      last = side.sample();
      if (last != null) {
        oldestMax = Math.max(oldestMax, last.oldestSeconds());
        pendingMax = Math.max(pendingMax, last.pending());
      }
      long commitsAtEnd = deliveries.commits();
      long rowsLeft = db.count("SELECT COUNT(*) FROM " + table);
      Double oldestRow =
          publisher == Publisher.LEAN
              ? null // the lean table keeps no time
              : db.jdbc.query(OLDEST_ROW, rs -> rs.next() ? rs.getDouble(1) : null);

      writers.join();
      boolean all = deliveries.awaitWindow(TAIL_WAIT, consumer);
      long committed = deliveries.committedInWindow();
      double achieved = committed / Bench.seconds(to - from);
      Run run =
          new Run(
              rate,
              publisher,
              committed,
              achieved,
              writers.failures(),
              writers.late(),
              deliveries.delays(),
              all ? 0 : committed - deliveries.consumedInWindow(),
              deliveries.duplicates(),
              first,
              last,
              oldestMax,
              pendingMax,
              cpuAfter.perThousandSince(cpuBefore, Math.max(1, committed)),
              Bench.perThousand(statusBefore, statusAfter, Math.max(1, committed)),
              deleted,
              rowsAtStart,
              commitsAtEnd - commitsAtStart,
              rowsLeft,
              oldestRow == null ? Double.NaN : oldestRow);
      bench.line(
          "committed in the window: %,d -> %,.0f msg/s (target %,d: %.1f %%); %,d sends"
              + " failed%s; %,d sends due in the window started > 1 ms late",
          committed,
          achieved,
          rate,
          100 * achieved / rate,
          run.failures(),
          writers.firstFailure(),
          run.late());
      bench.line(
          "commit -> consumed: %s; not consumed within %d s of the window's end: %,d;"
              + " duplicates: %,d",
          run.delays().summary(), TAIL_WAIT.toSeconds(), run.missing(), run.duplicates());
      bench.line(
          first == null
              ? "PENDING: not sampled (the backlog is in the binary log)"
              : String.format(
                  "PENDING, sampled every second: %s; %,d row(s) at the window's start, %,d at"
                      + " its end, %,d at most (bounded: %s)",
                  side.knowsAges()
                      ? String.format("oldest at most %.3f s old", oldestMax)
                      : "ages not known (the lean table has no creation time)",
                  first.pending(),
                  last.pending(),
                  pendingMax,
                  run.bounded() ? "yes" : "NO"));
      bench.line(
          "%s: %,d rows just before the window, %,d just after it%s; about %,d of its rows"
              + " deleted in between, %.2f per message committed then (rows deleted in all tables"
              + " in the window, Handler_delete: %,d, %.2f per message)",
          table,
          rowsAtStart,
          rowsLeft,
          Double.isNaN(run.oldestRowSeconds())
              ? ""
              : String.format(", the oldest then %.1f s old", run.oldestRowSeconds()),
          run.messagesDeleted(),
          run.deletedPerMessage(),
          deleted,
          deleted / (double) Math.max(1, committed));
      bench.line("CPU over the window: %s", cpuAfter.coresSince(cpuBefore));
      bench.line(
          "CPU per 1,000 messages: %s", Cpu.Snapshot.describePerThousand(run.cpuPerThousand()));
      bench.line(
          "MariaDB per 1,000 messages: %s; %s",
          run.counters(), Bench.locks(statusBefore, statusAfter));
      return run;
    } finally {
      if (writers != null) { // stopped early when the run failed
        writers.stop();
        writers.join();
      }
    }
  }

  private static void print(Bench bench, List<Run> runs, Duration measured) {
    bench.section(
        "[7] Steady state: "
            + measured.toSeconds()
            + " s measured per run after "
            + WARM_UP.toSeconds()
            + " s of warm-up (binary log as above)");
    bench.line(
        "| target | publisher | committed | commit → consumed p50 / p99 / max | oldest PENDING,"
            + " max sampled | PENDING start → end (max) | CPU per 1,000 messages | table rows at"
            + " the end (oldest) | table rows deleted per message | kept up | MariaDB per 1,000"
            + " messages |");
    bench.line("|---|---|---|---|---|---|---|---|---|---|---|");
    for (Run run : runs) {
      boolean sampled = run.first() != null && run.last() != null;
      bench.line(
          "| %,d msg/s | %s | %,.0f msg/s (%.1f %%) | %s / %s / %s%s | %s | %s | %s | %,d%s | %.2f"
              + " | %s | %s |",
          run.target(),
          run.publisher().label,
          run.achieved(),
          100 * run.achieved() / run.target(),
          Latencies.ms(run.delays().p50()),
          Latencies.ms(run.delays().p99()),
          Latencies.ms(run.delays().maxMillis()),
          run.missing() == 0 ? "" : String.format(", %,d not consumed", run.missing()),
          sampled && run.publisher() != Publisher.LEAN
              ? String.format("%.3f s", run.oldestMax())
              : "n/a",
          sampled
              ? String.format(
                  "%,d → %,d (%,d)", run.first().pending(), run.last().pending(), run.pendingMax())
              : "n/a",
          Cpu.Snapshot.describePerThousand(run.cpuPerThousand()),
          run.rowsLeft(),
          Double.isNaN(run.oldestRowSeconds())
              ? ""
              : String.format(" (%.0f s)", run.oldestRowSeconds()),
          run.deletedPerMessage(),
          verdict(run),
          run.counters());
    }
  }

  /** "yes", or what was missed. */
  private static String verdict(Run run) {
    List<String> missed = new ArrayList<>();
    if (!run.rateKept()) {
      missed.add("rate");
    }
    if (!run.delayKept()) {
      missed.add("delay");
    }
    if (!run.bounded()) {
      missed.add("backlog grew");
    }
    if (run.failures() > 0) {
      missed.add("sends failed");
    }
    return missed.isEmpty() ? "yes" : "NO (" + String.join(", ", missed) + ")";
  }

  /**
   * Sleeps until {@code nanos}; fails if the publisher stopped or the consumer failed meanwhile.
   */
  private static void sleepUntil(long nanos, SteadyPublisher side, TopicConsumer consumer) {
    long now;
    while ((now = System.nanoTime()) < nanos) {
      side.requireRunning();
      consumer.requireRunning();
      LockSupport.parkNanos(Math.min(nanos - now, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  private static long rowsDeleted(JdbcTemplate jdbc) {
    Long deleted =
        jdbc.query(
            "SHOW GLOBAL STATUS LIKE 'Handler_delete'",
            rs -> rs.next() ? Long.parseLong(rs.getString(2)) : 0L);
    return deleted == null ? 0 : deleted;
  }

  /**
   * {@value #WRITERS} threads sending on one schedule: message {@code k} of writer {@code w} is due
   * at {@code start + (k * WRITERS + w) / rate} seconds, until {@code to}; a writer behind its
   * schedule sends at once until it has caught up.
   */
  private static final class Writers {
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder failures = new LongAdder();
    private final LongAdder late = new LongAdder();
    private volatile boolean stopped;
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    Writers(
        SteadyPublisher side,
        String topic,
        KeyShape.Keys keys,
        int rate,
        long start,
        long from,
        long to,
        Deliveries deliveries) {
      double interval = 1e9 / rate;
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        Thread thread =
            new Thread(
                () -> {
                  for (long k = 0; ; k++) {
                    long due = start + (long) ((k * WRITERS + writer) * interval);
                    if (due >= to) {
                      return;
                    }
                    long now;
                    while ((now = System.nanoTime()) < due && !stopped) {
                      LockSupport.parkNanos(
                          Math.min(due - now, TimeUnit.MILLISECONDS.toNanos(100)));
                    }
                    if (stopped) {
                      return;
                    }
                    if (due >= from && now - due > TimeUnit.MILLISECONDS.toNanos(1)) {
                      late.increment();
                    }
                    long seq = sequence.getAndIncrement();
                    try {
                      side.send(topic, keys.key(seq), seq, deliveries::committed);
                    } catch (Exception e) {
                      failures.increment();
                      firstFailure.compareAndSet(null, e);
                    }
                  }
                },
                "bench-steady-writer-" + w);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
    }

    /** Ends the sends before their schedule does. */
    void stop() {
      stopped = true;
    }

    void join() throws InterruptedException {
      for (Thread thread : threads) {
        thread.join();
      }
    }

    long failures() {
      return failures.sum();
    }

    /** "" when no send failed, else "; the first: ..." */
    String firstFailure() {
      Exception e = firstFailure.get();
      return e == null ? "" : "; the first: " + e;
    }

    /** Sends due in the window that started more than 1 ms after their time. */
    long late() {
      return late.sum();
    }
  }

  /**
   * Matches each message's commit with its record's arrival, by sequence number, keeping only the
   * messages seen on one side so far: the delay of those committed in the window goes to a
   * histogram. A record may in principle arrive before its writer has noted the commit; the match
   * is the same either way.
   */
  private static final class Deliveries implements TopicConsumer.Arrivals {
    /** A commit or an arrival, waiting for the other. */
    private record Moment(boolean commit, long nanos) {}

    private final ConcurrentHashMap<Long, Moment> open = new ConcurrentHashMap<>();
    private final BitSet arrived = new BitSet(); // the consumer's thread only
    private final Latencies delays = new Latencies();
    private final LongAdder commits = new LongAdder();
    private final LongAdder committedInWindow = new LongAdder();
    private final LongAdder consumedInWindow = new LongAdder();
    private final LongAdder probes = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final ToLongFunction<ConsumerRecord<byte[], byte[]>> sequenceOf;
    private volatile long from = Long.MAX_VALUE;
    private volatile long to = Long.MAX_VALUE;
    // a record of a lower sequence number is a probe: the writers' first is the probe's next
    private volatile long firstSequence = Long.MAX_VALUE;

    /**
     * @param sequenceOf a consumed record's sequence number ({@link SteadyPublisher#sequenceOf})
     */
    Deliveries(ToLongFunction<ConsumerRecord<byte[], byte[]>> sequenceOf) {
      this.sequenceOf = sequenceOf;
    }

    void firstSequence(long first) {
      this.firstSequence = first;
    }

    void window(long from, long to) {
      this.from = from;
      this.to = to;
    }

    private boolean inWindow(long commitNanos) {
      return commitNanos - from >= 0 && commitNanos - to < 0;
    }

    void committed(long seq, long nanos) {
      commits.increment();
      if (inWindow(nanos)) {
        committedInWindow.increment();
      }
      open.compute(
          seq,
          (key, other) -> {
            if (other == null) {
              return new Moment(true, nanos);
            }
            matched(nanos, other.nanos());
            return null;
          });
    }

    @Override
    public void arrived(ConsumerRecord<byte[], byte[]> record, long nanos) {
      long seq = sequenceOf.applyAsLong(record);
      if (seq == SteadyPublisher.NOT_OURS) {
        return;
      }
      if (seq < firstSequence) {
        probes.increment();
        return;
      }
      if (arrived.get((int) seq)) {
        duplicates.increment();
        return;
      }
      arrived.set((int) seq);
      open.compute(
          seq,
          (key, other) -> {
            if (other == null) {
              return new Moment(false, nanos);
            }
            matched(other.nanos(), nanos);
            return null;
          });
    }

    private void matched(long commitNanos, long arrivalNanos) {
      if (inWindow(commitNanos)) {
        synchronized (delays) {
          delays.recordNanos(arrivalNanos - commitNanos);
        }
        consumedInWindow.increment();
      }
    }

    /** Waits until every message committed in the window was consumed; false on timeout. */
    boolean awaitWindow(Duration atMost, TopicConsumer consumer) throws InterruptedException {
      long deadline = System.nanoTime() + atMost.toNanos();
      while (consumedInWindow.sum() < committedInWindow.sum()) {
        consumer.requireRunning();
        if (System.nanoTime() > deadline) {
          return false;
        }
        TimeUnit.MILLISECONDS.sleep(10);
      }
      return true;
    }

    /** Messages committed so far (the probe apart). */
    long commits() {
      return commits.sum();
    }

    long committedInWindow() {
      return committedInWindow.sum();
    }

    long consumedInWindow() {
      return consumedInWindow.sum();
    }

    long probes() {
      return probes.sum();
    }

    long duplicates() {
      return duplicates.sum();
    }

    /** The delays recorded; read after the window, when no more are recorded. */
    Latencies delays() {
      synchronized (delays) {
        return delays;
      }
    }
  }
}
