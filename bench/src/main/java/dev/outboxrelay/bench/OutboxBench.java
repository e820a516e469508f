package dev.outboxrelay.bench;

import dev.outboxrelay.relay.RelaySettings;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestServers;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The benchmark (bench/README.md), in one run on the embedded test servers (MariaDB 11.4 and a
 * KRaft Kafka broker, both on this machine): relay throughput against the article's per-row relay,
 * commit-to-consumer latency with and without the fast path, and the cost of {@code send} in a
 * business transaction. Prints the results as a table with the targets, and the ratios.
 *
 * <p>Run: {@code ./mvnw -q -B -pl bench -am package -DskipTests && java -jar
 * bench/target/outbox-bench.jar}
 */
public final class OutboxBench {
  /** The buffer pool the benchmark asks MariaDB for (test support starts it with 256M). */
  static final long BUFFER_POOL_BYTES = 1024L * 1024 * 1024;

  static final int NAIVE_ROWS_LINGER_0 = 5_000;
  static final int NAIVE_ROWS_LINGER_5 = 1_000;

  private OutboxBench() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    long begin = System.nanoTime();
    if (Arrays.asList(args).contains("--help")) {
      out.println(Options.USAGE);
      return;
    }
    try {
      options = Options.parse(args); // before the servers start: a bad option fails at once
    } catch (IllegalArgumentException e) {
      System.err.println("outbox-bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    int repeat = options.repeat();
    out.println("Outbox Relay benchmark, " + Instant.now());
    out.println("Starting the embedded servers (MariaDB 11.4, Kafka broker in its own JVM)...");
    System.setProperty(TestServers.MARIADB_EXTRA_CONFIG, options.binlogConfig());
    DatabaseServer database = TestServers.database();
    KafkaBroker kafka = TestServers.kafka();
    out.printf("  servers up after %.1f s%n", Bench.seconds(System.nanoTime() - begin));
    String bufferPool = growBufferPool(database);
    Cpu cpu = new Cpu();
    Bench bench = new Bench(kafka, cpu, out);
    bench.relayDriverProperties = options.relayJdbc();

    bench.section("Machine and servers");
    bench.line("%s", machine());
    bench.line(
        "Java %s (%s), heap max %d MiB",
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        Runtime.getRuntime().maxMemory() / (1024 * 1024));
    bench.line("MariaDB: %s", serverFacts(database, bufferPool));
    bench.line(
        "Kafka: broker %s (one KRaft node, own JVM, -Xmx512m, replication factor 1), clients %s",
        kafka.bootstrapServers(), AppInfoParser.getVersion());
    bench.line("processes measured for CPU: %s", cpu.processes());
    bench.line(
        "everything (MariaDB, Kafka, relay, writers, consumer) shares the same %d cores",
        Runtime.getRuntime().availableProcessors());

    Report report = bench.report;
    List<String> names = new ArrayList<>();
    List<SideBySide.DrainPhase> drains = new ArrayList<>();
    addDrain(
        names,
        drains,
        bench,
        "[1] outbox-relay",
        "[1] relay throughput",
        () -> RelayThroughput.run(bench).drain());
    addDrain(
        names,
        drains,
        bench,
        "[1j] outbox-relay jar, own process",
        "[1j] relay jar",
        () -> RelayJar.run(bench, options.relayJar(), RelayThroughput.ROWS));
    if (options.baselineJar() != null) {
      addDrain(
          names,
          drains,
          bench,
          "[1o] baseline relay jar " + options.baselineJar().getFileName() + ", own process",
          "[1o] baseline relay jar",
          () -> RelayJar.run(bench, options.baselineJar(), RelayThroughput.ROWS));
    }
    addDrain(
        names,
        drains,
        bench,
        "[1r] bare batched loop",
        "[1r] bare batched loop",
        () -> BareLoop.run(bench, RelayThroughput.ROWS));
    addDrain(
        names,
        drains,
        bench,
        "[1d] Debezium embedded + outbox router",
        "[1d] Debezium embedded",
        () ->
            DebeziumPeer.run(
                bench,
                "[1d]",
                RelayThroughput.ROWS,
                (db, topic, rows) ->
                    Backlog.fill(db.pool("backlog", 1), topic, rows, Bench.KEYS, Bench.LANES)));
    List<SideBySide.Runs> sideBySide =
        drains.isEmpty()
            ? List.of()
            : SideBySide.run(
                bench,
                repeat,
                names,
                drains,
                (int) names.stream().filter(name -> name.contains("outbox-relay")).count());
    SideBySide.Runs relay = find(sideBySide, "[1] ");
    SideBySide.Runs jar = find(sideBySide, "[1j] ");
    SideBySide.Runs bare = find(sideBySide, "[1r] ");
    SideBySide.Runs debezium = find(sideBySide, "[1d] ");
    double relayRate = relay == null ? Double.NaN : relay.medianRate();
    RelayLimits.Limits limits = phase(bench, "[1b] relay limits", () -> RelayLimits.run(bench));

    if (selected("2")) {
      bench.section(
          "[2] The article's naive per-row relay (select 1 FOR UPDATE, send().get(), update)");
    }
    double naive0 =
        phaseRate(
            phase(
                bench,
                "[2] naive linger 0",
                () -> NaiveRelay.run(bench, 0, NAIVE_ROWS_LINGER_0, false)));
    double naive0Indexed =
        phaseRate(
            phase(
                bench,
                "[2] naive linger 0 indexed",
                () -> NaiveRelay.run(bench, 0, NAIVE_ROWS_LINGER_0, true)));
    double naive5 =
        phaseRate(
            phase(
                bench,
                "[2] naive linger 5",
                () -> NaiveRelay.run(bench, 5, NAIVE_ROWS_LINGER_5, false)));

    if (selected("3")) {
      bench.section(
          "[3] End-to-end latency, commit -> consumer, at "
              + String.format("%,d", EndToEndLatency.RATE)
              + " msg/s");
    }
    EndToEndLatency.Result relayOnly =
        phase(bench, "[3] latency relay only", () -> EndToEndLatency.run(bench, false));
    EndToEndLatency.Result fastPath =
        phase(bench, "[3] latency fast path", () -> EndToEndLatency.run(bench, true));

    SendCost.Result send = phase(bench, "[4] send cost", () -> SendCost.run(bench));
    if (selected("5")) { // only when named: about 2.5 minutes
      phase(
          bench,
          "[5] scaling",
          () -> {
            Scaling.run(bench);
            return null;
          });
    }
    if (selected("6")) { // only when named: about 1.5 minutes per shape and repetition
      for (KeyShape shape : options.shapes()) {
        phase(
            bench,
            "[6] backlog shape " + shape.name(),
            () -> {
              BacklogShapes.run(
                  bench,
                  options.relayJar(),
                  options.baselineJar(),
                  options.baselineSchema(),
                  options.debezium(),
                  shape,
                  options.shapeRows(),
                  repeat);
              return null;
            });
      }
    }

    if (selected("7")) { // only when named: minutes per rate and relay configuration
      phase(
          bench,
          "[7] steady state",
          () -> {
            SteadyState.run(
                bench,
                options.relayJar(),
                options.rates(),
                options.steadySeconds(),
                options.debezium());
            return null;
          });
    }

    // The table.
    String over = repeat == 1 ? "" : ", median of " + repeat;
    if (relay != null) {
      report.add(
          "[1] relay, 200k backlog (batch 2000, 2 workers, 16 lanes" + over + ")",
          String.format("%,.0f msg/s", relay.medianRate()),
          null,
          null);
      if (!relay.complete()) {
        report.add("[1] relay: every row once", "incomplete or duplicates", "complete", false);
      }
    }
    if (limits != null) {
      report.add(
          "[1b] raw producer alone (no DB)",
          String.format("%,.0f msg/s", limits.producerOnly()),
          null,
          null);
      report.add(
          "[1b] DB claim+guard+mark alone (1 thread)",
          String.format("%,.0f msg/s", limits.databaseOnly()),
          null,
          null);
      report.add(
          "[1b] relay loop by hand (1 thread)",
          String.format("%,.0f msg/s", limits.handLoop()),
          null,
          null);
    }
    if (!Double.isNaN(naive0)) {
      report.add(
          "[2] naive relay, linger.ms=0 (" + NAIVE_ROWS_LINGER_0 + " rows)",
          String.format("%,.0f msg/s", naive0),
          null,
          null);
    }
    if (!Double.isNaN(naive5)) {
      report.add(
          "[2] naive relay, linger.ms=5 (" + NAIVE_ROWS_LINGER_5 + " rows)",
          String.format("%,.0f msg/s", naive5),
          null,
          null);
    }
    if (!Double.isNaN(naive0Indexed)) {
      report.add(
          "[2] naive relay, linger.ms=0, index (status, id)",
          String.format("%,.0f msg/s", naive0Indexed),
          null,
          null);
    }
    double ratio = relayRate / naive0;
    if (!Double.isNaN(ratio)) {
      report.add(
          "[1]/[2] relay / naive (linger 0, schema as is)",
          String.format("%.1fx", ratio),
          null,
          null);
    }
    // The target is judged against the naive relay's best case: an index that serves its select.
    double fairRatio = relayRate / naive0Indexed;
    if (!Double.isNaN(fairRatio)) {
      report.add(
          "[1]/[2] relay / naive (linger 0, with its index)",
          String.format("%.1fx", fairRatio),
          ">= 25x",
          fairRatio >= 25);
    }
    long pollMillis = EndToEndLatency.POLL_INTERVAL.toMillis();
    if (relayOnly != null) {
      double p99 = relayOnly.latencies().p99();
      report.add(
          "[3] relay only: p50 / p99 / max",
          String.format(
              "%s / %s / %s",
              Latencies.ms(relayOnly.latencies().p50()),
              Latencies.ms(p99),
              Latencies.ms(relayOnly.latencies().maxMillis())),
          "p99 <= " + (pollMillis + 20) + " ms",
          p99 <= pollMillis + 20 && relayOnly.missing() == 0);
    }
    if (fastPath != null) {
      double p99 = fastPath.latencies().p99();
      report.add(
          "[3] fast path + relay: p50 / p99 / max",
          String.format(
              "%s / %s / %s",
              Latencies.ms(fastPath.latencies().p50()),
              Latencies.ms(p99),
              Latencies.ms(fastPath.latencies().maxMillis())),
          "p99 <= 10 ms",
          p99 <= 10 && fastPath.missing() == 0);
    }
    if (send != null) {
      report.add(
          "[4] txn without send: p50 / p99",
          String.format(
              "%s / %s", Latencies.ms(send.without().p50()), Latencies.ms(send.without().p99())),
          null,
          null);
      report.add(
          "[4] txn with send (fast path): p50 / p99",
          String.format(
              "%s / %s",
              Latencies.ms(send.withFastPath().p50()), Latencies.ms(send.withFastPath().p99())),
          null,
          null);
      report.add(
          "[4] txn with send (fast path off): p50 / p99",
          String.format(
              "%s / %s",
              Latencies.ms(send.withoutFastPath().p50()),
              Latencies.ms(send.withoutFastPath().p99())),
          null,
          null);
      double delta = send.withFastPath().p50() - send.without().p50();
      report.add(
          "[4] send adds (p50 difference, fast path on)",
          String.format("%+.3f ms", delta),
          "<= 0.3 ms",
          delta <= 0.3);
      report.add(
          "[4] of which the key lock (fast path off, commit - insert)",
          String.format(
              "%+.3f ms", send.withoutFastPath().p50() - send.withoutFastPathInsertOrder().p50()),
          null,
          null);
      report.add(
          "[4] of which the outbox's statements (fast path off)",
          String.format("%+.3f ms", send.withoutFastPath().p50() - send.without().p50()),
          null,
          null);
      report.add(
          "[4] beside them, same database, txn with send (no f. p.): p50 / p99",
          String.format(
              "%s / %s",
              Latencies.ms(send.sameDatabaseBesideMessageStore().p50()),
              Latencies.ms(send.sameDatabaseBesideMessageStore().p99())),
          null,
          null);
      report.add(
          "[4] message store, approach 4, txn with send (no f. p.): p50 / p99",
          String.format(
              "%s / %s",
              Latencies.ms(send.messageStoreSend().p50()),
              Latencies.ms(send.messageStoreSend().p99())),
          null,
          null);
      report.add(
          "[4] message store, approach 5, prepare + txn with enlist (no f. p.): p50 / p99",
          String.format(
              "%s / %s",
              Latencies.ms(send.messageStorePrepareEnlist().p50()),
              Latencies.ms(send.messageStorePrepareEnlist().p99())),
          null,
          null);
      report.add(
          "[4] message store, approach 4, adds (p50 difference, no f. p.)",
          String.format(
              "%+.3f ms", send.messageStoreSend().p50() - send.withoutBesideMessageStore().p50()),
          null,
          null);
      report.add(
          "[4] message store, approach 5, adds (p50 difference, no f. p.)",
          String.format(
              "%+.3f ms",
              send.messageStorePrepareEnlist().p50() - send.withoutBesideMessageStore().p50()),
          null,
          null);
    }

    if (jar != null) {
      report.add(
          "[1j] relay jar, own process, same backlog" + over,
          String.format("%,.0f msg/s", jar.medianRate()),
          null,
          null);
      if (!jar.complete()) {
        report.add("[1j] relay jar: every row once", "incomplete or duplicates", "complete", false);
      }
      if (bare != null) {
        report.add(
            "[1j]/[1r] relay jar / bare loop",
            times(jar.medianRate() / bare.medianRate()),
            null,
            null);
        report.ratio(
            "relay jar / bare batched loop:                "
                + times(jar.medianRate() / bare.medianRate()));
      }
    }
    if (bare != null) {
      double bareRate = bare.medianRate();
      report.add(
          "[1r] bare batched loop, same backlog (batch 2000, 2 workers" + over + ")",
          String.format("%,.0f msg/s", bareRate),
          null,
          null);
      if (relay != null) {
        report.add(
            "[1]/[1r] relay / bare loop",
            times(relayRate / bareRate),
            ">= 1.0x",
            relayRate >= bareRate);
        report.ratio(
            "relay / bare batched loop:                    " + times(relayRate / bareRate));
      }
      if (!bare.complete()) {
        report.add("[1r] bare loop: every row once", "incomplete or duplicates", "complete", false);
      }
    }
    if (debezium != null) {
      double debeziumRate = debezium.medianRate();
      report.add(
          "[1d] Debezium embedded + outbox router, same backlog" + over,
          String.format("%,.0f msg/s", debeziumRate),
          null,
          null);
      if (relay != null) {
        report.add("[1]/[1d] relay / Debezium", times(relayRate / debeziumRate), null, null);
        report.ratio(
            "relay / Debezium embedded:                    " + times(relayRate / debeziumRate));
      }
      if (!debezium.complete()) {
        report.add(
            "[1d] Debezium: every record once", "incomplete or duplicates", "complete", false);
      }
    }
    ratios(report, relayRate, naive0, naive5, limits, relayOnly, fastPath, send, pollMillis);
    // with --phases none of them runs (no tag names them): not even their headers then
    if (options.whatIf() && selected("W")) {
      whatIfs(bench);
    }
    out.println();
    out.println("=== Results ===");
    report.print(out);
    out.printf(
        "%nTotal time %.0f s. One run on a small shared machine: expect +-10-20%% between runs.%n",
        Bench.seconds(System.nanoTime() - begin));
    if (phaseFailed) {
      out.println("A phase failed (PHASE FAILED above): exit status 1.");
    }
    // the shutdown hooks stop MariaDB and Kafka and delete their data
    System.exit(phaseFailed ? 1 : 0);
  }

  /**
   * Diagnosis, not targets: the same measurements with settings a user can change today, and one
   * prototype of a relay change, to show where the time goes and what a change would gain.
   */
  private static void whatIfs(Bench bench) {
    bench.section(
        "[W] What-ifs for the diagnosis (settings a user can change today; shorter runs: 3 s"
            + " warm-up + 10 s measured)");
    Duration warmUp = Duration.ofSeconds(3);
    Duration measured = Duration.ofSeconds(10);
    Map<String, String> lingerZero = Map.of("linger.ms", "0");
    EndToEndLatency.Result linger =
        phase(
            bench,
            "[W1] relay only, relay linger.ms=0",
            () ->
                EndToEndLatency.run(
                    bench,
                    new EndToEndLatency.Load(
                        "[W1] relay only, outbox.relay.kafka.properties.linger.ms=0",
                        false,
                        EndToEndLatency.RATE,
                        warmUp,
                        measured,
                        Bench.LANES,
                        EndToEndLatency.RELAY_WORKERS,
                        lingerZero)));
    EndToEndLatency.Result twoLanes =
        phase(
            bench,
            "[W2] relay only, 2 lanes, linger.ms=0",
            () ->
                EndToEndLatency.run(
                    bench,
                    new EndToEndLatency.Load(
                        "[W2] relay only, outbox.lanes=outbox.relay.lanes=2 (one lane per worker),"
                            + " linger.ms=0",
                        false,
                        EndToEndLatency.RATE,
                        warmUp,
                        measured,
                        2,
                        EndToEndLatency.RELAY_WORKERS,
                        lingerZero)));
    EndToEndLatency.Result slowFastPath =
        phase(
            bench,
            "[W3] fast path at 500 msg/s",
            () ->
                EndToEndLatency.run(
                    bench,
                    new EndToEndLatency.Load(
                        "[W3] fast path + relay at 500 msg/s (a quarter of the load)",
                        true,
                        500,
                        warmUp,
                        measured,
                        Bench.LANES,
                        EndToEndLatency.RELAY_WORKERS,
                        Map.of())));
    bench.out.println();
    bench.out.println("  -- [W4] relay throughput with outbox.relay.on-ack=delete --");
    RelayThroughput.Result delete =
        phase(
            bench,
            "[W4] relay, on-ack=delete",
            () -> RelayThroughput.run(bench, RelayThroughput.ROWS, RelaySettings.OnAck.DELETE));
    Report report = bench.report;
    addLatency(report, "[W1] relay only, relay linger.ms=0: p50 / p99 / max", linger);
    addLatency(report, "[W2] relay only, 2 lanes, linger.ms=0: p50 / p99 / max", twoLanes);
    addLatency(report, "[W3] fast path + relay at 500 msg/s: p50 / p99 / max", slowFastPath);
    if (delete != null) {
      report.add(
          "[W4] relay, 200k backlog, on-ack=delete",
          String.format(
              "%,.0f msg/s (%.2f s), %,d duplicates",
              delete.rate(), delete.seconds(), delete.duplicates()),
          null,
          null);
    }
  }

  private static void addLatency(Report report, String name, EndToEndLatency.Result result) {
    if (result == null) {
      return;
    }
    report.add(
        name,
        String.format(
            "%s / %s / %s",
            Latencies.ms(result.latencies().p50()),
            Latencies.ms(result.latencies().p99()),
            Latencies.ms(result.latencies().maxMillis())),
        null,
        null);
  }

  private static void ratios(
      Report report,
      double relayRate,
      double naive0,
      double naive5,
      RelayLimits.Limits limits,
      EndToEndLatency.Result relayOnly,
      EndToEndLatency.Result fastPath,
      SendCost.Result send,
      long pollMillis) {
    report.ratio("relay / naive per-row relay (linger.ms=0):    " + times(relayRate / naive0));
    report.ratio("relay / naive per-row relay (linger.ms=5):    " + times(relayRate / naive5));
    report.ratio("naive linger.ms=0 / naive linger.ms=5:        " + times(naive0 / naive5));
    if (limits != null) {
      report.ratio(
          "relay / raw producer alone:                   "
              + percent(relayRate / limits.producerOnly()));
      report.ratio(
          "relay / DB claim+guard+mark alone (1 thread): "
              + percent(relayRate / limits.databaseOnly()));
      report.ratio(
          "relay (2 workers) / hand loop (1 thread):     " + times(relayRate / limits.handLoop()));
    }
    if (relayOnly != null && fastPath != null) {
      report.ratio(
          "e2e p50 relay only / with fast path:          "
              + times(relayOnly.latencies().p50() / fastPath.latencies().p50()));
      report.ratio(
          "e2e p99 relay only / with fast path:          "
              + times(relayOnly.latencies().p99() / fastPath.latencies().p99()));
    }
    if (relayOnly != null) {
      report.ratio(
          "e2e p99 relay only / poll interval:           "
              + times(relayOnly.latencies().p99() / pollMillis));
    }
    if (send != null) {
      report.ratio(
          "txn p50 with send (fast path) / without:      "
              + times(send.withFastPath().p50() / send.without().p50()));
      report.ratio(
          "txn p50 with send (fast path off) / without:  "
              + times(send.withoutFastPath().p50() / send.without().p50()));
      report.ratio(
          "txn p50 key-order commit / insert (no f. p.): "
              + times(send.withoutFastPath().p50() / send.withoutFastPathInsertOrder().p50()));
      report.ratio(
          "call p50 message store ap. 4 / same database: "
              + times(send.messageStoreSend().p50() / send.sameDatabaseBesideMessageStore().p50()));
      report.ratio(
          "call p50 message store ap. 5 / same database: "
              + times(
                  send.messageStorePrepareEnlist().p50()
                      / send.sameDatabaseBesideMessageStore().p50()));
    }
  }

  private static String times(double ratio) {
    return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "n/a" : String.format("%.2fx", ratio);
  }

  private static String percent(double ratio) {
    return Double.isNaN(ratio) ? "n/a" : String.format("%.0f%%", 100 * ratio);
  }

  @FunctionalInterface
  private interface Phase<T> {
    T run() throws Exception;
  }

  /** The command line, parsed first thing. */
  private static Options options;

  /** A phase failed: the bench exits with status 1. */
  private static boolean phaseFailed;

  private static boolean selected(String tag) {
    return options.runs(tag);
  }

  /** Adds a side-by-side drain when its phase is selected; {@code phase} names it in failures. */
  private static void addDrain(
      List<String> names,
      List<SideBySide.DrainPhase> drains,
      Bench bench,
      String system,
      String phase,
      Phase<SideBySide.Drain> run) {
    if (selected(phase.substring(1, phase.indexOf(']')))) {
      names.add(system);
      drains.add(repetition -> phase(bench, phase, run));
    }
  }

  private static SideBySide.Runs find(List<SideBySide.Runs> runs, String prefix) {
    return runs.stream().filter(r -> r.system().startsWith(prefix)).findFirst().orElse(null);
  }

  /** Runs a phase; a failure is printed and recorded, and the other phases still run. */
  private static <T> T phase(Bench bench, String name, Phase<T> phase) {
    String tag = name.substring(1, name.indexOf(']'));
    if (!selected(tag)) {
      return null;
    }
    try {
      return phase.run();
    } catch (Exception | Error e) {
      phaseFailed = true;
      bench.out.println("  PHASE FAILED: " + name + ": " + e);
      e.printStackTrace(bench.out);
      bench.report.add(name, "FAILED: " + e.getMessage(), "runs", false);
      return null;
    }
  }

  private static double phaseRate(Double rate) {
    return rate == null ? Double.NaN : rate;
  }

  /**
   * Test support starts MariaDB with a 256M buffer pool; the benchmark's tables (up to 200k rows of
   * ~0.5 KB plus indexes) should stay in memory, so it grows the pool at run time (MariaDB resizes
   * it online). Returns what the server reports afterwards.
   */
  private static String growBufferPool(DatabaseServer database) throws Exception {
    try (Connection connection =
            DriverManager.getConnection(
                database.jdbcUrl(""), database.username(), database.password());
        Statement statement = connection.createStatement()) {
      statement.execute("SET GLOBAL innodb_buffer_pool_size = " + BUFFER_POOL_BYTES);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      // the resize runs in the background; wait until it reports completion ("Completed
      // resizing buffer pool from ... to ... bytes." in MariaDB 11.4; while it runs, "Resizing
      // buffer pool ..." or "... in progress")
      while (System.nanoTime() < deadline
          && !(variable(statement, "innodb_buffer_pool_size")
                  .equals(Long.toString(BUFFER_POOL_BYTES))
              && resized(status(statement, "Innodb_buffer_pool_resize_status")))) {
        TimeUnit.MILLISECONDS.sleep(100);
      }
      return variable(statement, "innodb_buffer_pool_size");
    } catch (SQLException e) {
      return "unchanged (" + e.getMessage() + ")";
    }
  }

  /**
   * Whether MariaDB's resize status says the resize is over (empty: none ran or it is long over).
   */
  static boolean resized(String status) {
    String text = status.toLowerCase(Locale.ROOT);
    return text.isEmpty() || text.startsWith("completed") || !text.contains("resizing");
  }

  private static String serverFacts(DatabaseServer database, String bufferPool) throws Exception {
    try (Connection connection =
            DriverManager.getConnection(
                database.jdbcUrl(""), database.username(), database.password());
        Statement statement = connection.createStatement()) {
      return String.format(
          "%s on %s:%d, innodb_buffer_pool_size=%s MiB (grown at run time from test support's"
              + " 256M), innodb_flush_log_at_trx_commit=%s, innodb_log_file_size=%s MiB,"
              + " transaction_isolation=%s, log_bin=%s, binlog_format=%s, binlog_row_image=%s,"
              + " sync_binlog=%s",
          variable(statement, "version"),
          database.host(),
          database.port(),
          bufferPool.matches("\\d+") ? Long.parseLong(bufferPool) / (1024 * 1024) : bufferPool,
          variable(statement, "innodb_flush_log_at_trx_commit"),
          Long.parseLong(variable(statement, "innodb_log_file_size")) / (1024 * 1024),
          variable(statement, "transaction_isolation"),
          variable(statement, "log_bin"),
          variable(statement, "binlog_format"),
          variable(statement, "binlog_row_image"),
          variable(statement, "sync_binlog"));
    }
  }

  private static String variable(Statement statement, String name) throws SQLException {
    try (ResultSet rs = statement.executeQuery("SHOW GLOBAL VARIABLES LIKE '" + name + "'")) {
      return rs.next() ? rs.getString(2) : "";
    }
  }

  private static String status(Statement statement, String name) throws SQLException {
    try (ResultSet rs = statement.executeQuery("SHOW GLOBAL STATUS LIKE '" + name + "'")) {
      return rs.next() ? rs.getString(2) : "";
    }
  }

  private static String machine() {
    String cpuModel = "?";
    try {
      cpuModel =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(line -> line.startsWith("model name"))
              .map(line -> line.substring(line.indexOf(':') + 1).trim())
              .findFirst()
              .orElse("?");
    } catch (IOException e) {
      // not Linux
    }
    long memory = 0;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize() / (1024 * 1024 * 1024);
    }
    return String.format(
        "%d cores (%s), %d GiB RAM, %s %s",
        Runtime.getRuntime().availableProcessors(),
        cpuModel,
        memory,
        System.getProperty("os.name"),
        System.getProperty("os.version"));
  }
}
