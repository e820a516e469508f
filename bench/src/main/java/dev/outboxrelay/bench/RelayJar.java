package dev.outboxrelay.bench;

import dev.outboxrelay.testsupport.RelayJarProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Phase [1j], the relay as operators run it: {@code java -jar outbox-relay.jar}, a process of its
 * own started after the backlog is written (a fresh JVM every time: its drain includes compiling
 * the relay's code), configured by environment variables only, with the settings of [1]: batch
 * 2,000, 2 workers, 16 lanes, poll 10 ms, everything else the jar's defaults, {@code -Xmx512m}.
 * Spring Boot's start-up is not timed: the clock runs from the first record a consumer receives
 * until it has them all, and CPU is counted over the same span (the relay jar's own, its JIT
 * compiler's apart, MariaDB's, Kafka's and this JVM's, which only consumes).
 */
final class RelayJar {
  /** The jar {@code ./mvnw -pl bench -am package} builds; {@code --relay-jar=PATH} for another. */
  static final String DEFAULT_JAR = "outbox-relay/target/outbox-relay.jar";

  private RelayJar() {}

  record Result(
      double rate, double seconds, Map<String, Double> cpuPerThousand, boolean complete) {}

  static SideBySide.Drain run(Bench bench, Path jar, int rows) throws Exception {
    bench.section(
        "[1j] The relay jar as its own process (java -jar "
            + jar
            + "), "
            + String.format("%,d", rows)
            + "-message backlog");
    try (BenchDatabase db = BenchDatabase.create("bench_jar")) {
      String topic = bench.newTopic("jar");
      long insertNanos = Backlog.fill(db.pool("backlog", 1), topic, rows, Bench.KEYS, Bench.LANES);
      bench.line("backlog: %,d PENDING rows inserted in %.1f s", rows, Bench.seconds(insertNanos));
      return drain(bench, jar, db, topic, rows);
    }
  }

  /**
   * Starts the jar on {@code db}, whose {@code t_msg} holds {@code rows} PENDING messages for
   * {@code topic}, and measures its drain; stops it after.
   */
  static SideBySide.Drain drain(Bench bench, Path jar, BenchDatabase db, String topic, int rows)
      throws Exception {
    requireJar(jar);
    Path log = Files.createTempFile("outbox-bench-relay-jar-", ".log");
    try (TopicConsumer consumer = new TopicConsumer(bench.bootstrapServers(), topic)) {
      long launched = System.nanoTime();
      Process relay = start(jar, db, bench.bootstrapServers(), log, Map.of());
      try {
        Cpu cpu = bench.cpu.withJvm("relay jar", relay.pid());
        await(() -> consumer.distinct() > 0, relay, log, Duration.ofMinutes(1), "a first record");
        long before = consumer.distinct();
        Span span = untilConsumed(cpu, relay, log, consumer, db, topic, 0, rows);
        double elapsed = span.seconds();
        long started = span.startedNanos();
        double rate = (rows - before) / elapsed;
        bench.line(
            "first record %.1f s after the launch (Spring Boot start-up, not timed); the other"
                + " %,d consumed %.2f s later -> %,.0f msg/s; %,d rows SENT, %,d duplicates",
            Bench.seconds(started - launched),
            rows - before,
            elapsed,
            rate,
            span.sent(),
            consumer.duplicates());
        return new SideBySide.Drain(
            rate,
            span.costs(bench, rows - before),
            span.sent() == rows && consumer.duplicates() == 0);
      } finally {
        stop(relay);
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Writes a backlog of {@code rows} in one transaction; returns when it is committed. */
  interface OneTransaction {
    void write(int rows) throws Exception;
  }

  /** The backlog a warm jar drains first, not measured. */
  static final int WARM_UP_ROWS = 100_000;

  /**
   * Then a smaller one of the measured backlog's kind, on its topic: the jar has published this
   * topic and this kind of rows before the clock starts, as a relay that has run for a while. (It
   * did not measurably lower the jar's compiling during the drain: bench/README.md, issue 21's
   * levers, 5.)
   */
  static final int WARM_UP_SHAPE_ROWS = 20_000;

  /**
   * The drain of a <b>warm</b> jar, as a relay that has been running for a while drains a backlog:
   * the jar first drains {@value #WARM_UP_ROWS} messages of another topic (not measured: Spring
   * Boot's start and the compiling of the relay's code) and {@value #WARM_UP_SHAPE_ROWS} that
   * {@code backlog} writes for {@code topic}; then {@code backlog} commits {@code rows} messages
   * for {@code topic} in one transaction, and the clock runs from that commit until a consumer has
   * them all. CPU is counted over the same span.
   */
  static SideBySide.Drain drainWarm(
      Bench bench,
      Path jar,
      BenchDatabase db,
      String topic,
      int rows,
      OneTransaction backlog,
      Map<String, String> settings)
      throws Exception {
    requireJar(jar);
    String warmTopic = bench.newTopic("warm");
    Backlog.fill(
        db.pool("warm-up", 1), warmTopic, WARM_UP_ROWS, seq -> "warm-" + seq % 1000, Bench.LANES);
    Path log = Files.createTempFile("outbox-bench-relay-jar-", ".log");
    try (TopicConsumer warm = new TopicConsumer(bench.bootstrapServers(), warmTopic);
        TopicConsumer consumer = new TopicConsumer(bench.bootstrapServers(), topic)) {
      long launched = System.nanoTime();
      Process relay = start(jar, db, bench.bootstrapServers(), log, settings);
      try {
        Cpu cpu = bench.cpu.withJvm("relay jar", relay.pid());
        await(
            () -> warm.distinct() >= WARM_UP_ROWS,
            relay,
            log,
            Duration.ofMinutes(2),
            "the warm-up");
        await(() -> db.pending() == 0, relay, log, Duration.ofSeconds(30), "no PENDING row");
        backlog.write(WARM_UP_SHAPE_ROWS);
        await(
            () -> consumer.distinct() >= WARM_UP_SHAPE_ROWS,
            relay,
            log,
            Duration.ofMinutes(2),
            "the warm-up of the backlog's kind");
        await(() -> db.pending() == 0, relay, log, Duration.ofSeconds(30), "no PENDING row");
        long warmedAt = System.nanoTime();
        backlog.write(rows);
        Span span = untilConsumed(cpu, relay, log, consumer, db, topic, WARM_UP_SHAPE_ROWS, rows);
        double elapsed = span.seconds();
        bench.line(
            "warm-up of %,d messages drained %.1f s after the launch; the backlog of %,d,"
                + " committed in one transaction, consumed %.2f s after its commit -> %,.0f msg/s;"
                + " %,d rows SENT or deleted, %,d duplicates",
            WARM_UP_ROWS,
            Bench.seconds(warmedAt - launched),
            rows,
            elapsed,
            rows / elapsed,
            span.sent(),
            consumer.duplicates());
        return new SideBySide.Drain(
            rows / elapsed,
            span.costs(bench, rows),
            span.sent() == rows && consumer.duplicates() == 0);
      } finally {
        stop(relay);
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }

  static void requireJar(Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no relay jar at "
              + jar.toAbsolutePath()
              + ": build it with ./mvnw -q -B -pl bench -am package -DskipTests (run the bench"
              + " from the repository's root), or give --relay-jar=PATH");
    }
  }

  /** A timed span of a drain: its seconds, its CPU and server counters, the rows then SENT. */
  private record Span(
      long startedNanos,
      double seconds,
      Cpu.Snapshot cpuBefore,
      Cpu.Snapshot cpuAfter,
      Map<String, Long> statusBefore,
      Map<String, Long> statusAfter,
      long sent) {

    /** Prints and returns the CPU and counters per 1,000 of {@code messages}. */
    Map<String, Double> costs(Bench bench, long messages) {
      return bench.drainCosts(cpuBefore, cpuAfter, statusBefore, statusAfter, messages);
    }
  }

  /**
   * Times from now until {@code consumer} has {@code rows} records of {@code topic} beyond the
   * {@code before} it had; then, untimed, waits until no row is PENDING (the last ones are marked
   * SENT right after their acks).
   */
  private static Span untilConsumed(
      Cpu cpu,
      Process relay,
      Path log,
      TopicConsumer consumer,
      BenchDatabase db,
      String topic,
      int before,
      int rows)
      throws Exception {
    Cpu.Snapshot cpuBefore = cpu.snapshot();
    long started = System.nanoTime();
    Map<String, Long> statusBefore = Bench.serverStatus(db.jdbc);
    await(
        () -> consumer.distinct() >= before + rows,
        relay,
        log,
        Duration.ofMinutes(3),
        "all records");
    long doneAt = System.nanoTime();
    Cpu.Snapshot cpuAfter = cpu.snapshot();
    Map<String, Long> statusAfter = Bench.serverStatus(db.jdbc);
    await(() -> db.pending() == 0, relay, log, Duration.ofSeconds(30), "no PENDING row");
    // marked SENT, or deleted (outbox.relay.on-ack=delete)
    long sent =
        db.count("SELECT COUNT(*) FROM t_msg WHERE status = 1 AND topic = ?", topic)
            + rows
            - db.count("SELECT COUNT(*) FROM t_msg WHERE topic = ?", topic);
    return new Span(
        started,
        Bench.seconds(doneAt - started),
        cpuBefore,
        cpuAfter,
        statusBefore,
        statusAfter,
        sent);
  }

  /**
   * @param settings environment variables beyond the bench's (e.g. {@code OUTBOX_RELAY_ON_ACK})
   */
  static Process start(
      Path jar, BenchDatabase db, String bootstrapServers, Path log, Map<String, String> settings)
      throws IOException {
    Map<String, String> environment = new java.util.HashMap<>(settings);
    environment.putAll(
        Map.of(
            "OUTBOX_RELAY_LANES",
            Integer.toString(Bench.LANES),
            "OUTBOX_RELAY_WORKERS",
            Integer.toString(RelayThroughput.WORKERS),
            "OUTBOX_RELAY_BATCH_SIZE",
            Integer.toString(RelayThroughput.BATCH_SIZE),
            "OUTBOX_RELAY_POLL_INTERVAL",
            RelayThroughput.POLL_INTERVAL.toMillis() + "ms",
            "OUTBOX_RELAY_INSTANCE_ID",
            "bench-relay-jar",
            "SERVER_PORT",
            "0"));
    return RelayJarProcess.start(
        jar, db.testDatabase(), bootstrapServers, jvmArgs(), environment, log);
  }

  // OUTBOX_BENCH_RELAY_JVM_ARGS adds JVM options to the jar's, e.g. a flight recording to find
  // where the jar spends its CPU:
  // -XX:StartFlightRecording=filename=/tmp/relay.jfr,settings=profile (the JVM does not expand
  // %p in this file name, so a run with [1j] and [1o] overwrites one recording with the other)
  private static List<String> jvmArgs() {
    List<String> args =
        new java.util.ArrayList<>(List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError"));
    String extra = System.getenv("OUTBOX_BENCH_RELAY_JVM_ARGS");
    if (extra != null && !extra.isBlank()) {
      args.addAll(List.of(extra.trim().split("\\s+")));
    }
    return args;
  }

  /** Waits for {@code condition}, checked every 2 ms; fails with the jar's log if it exited. */
  static void await(
      BooleanSupplier condition, Process relay, Path log, Duration atMost, String what)
      throws Exception {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (!relay.isAlive()) {
        throw new IllegalStateException(
            "the relay jar exited with status " + relay.exitValue() + "; its log:\n" + tail(log));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no "
                + what
                + " within "
                + atMost.toSeconds()
                + " s; the relay jar's log:\n"
                + tail(log));
      }
      TimeUnit.MILLISECONDS.sleep(2);
    }
  }

  static void stop(Process relay) throws InterruptedException {
    relay.destroy(); // SIGTERM: the relay finishes its rounds and releases its leases
    if (!relay.waitFor(30, TimeUnit.SECONDS)) {
      relay.destroyForcibly();
      relay.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The last 30 lines of the jar's log. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }
}
