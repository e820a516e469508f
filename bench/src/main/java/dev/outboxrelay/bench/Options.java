package dev.outboxrelay.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The bench's command line, checked before any server starts: an unknown option, a phase that does
 * not exist or a value out of range is refused at once with what to write instead.
 *
 * @param phases the phases to run; empty for the default set (every phase but [1d] without {@code
 *     --debezium}, and never [5], [6] or [7] unless named)
 * @param debezium run [1d] (also when {@code --phases} names it), and [6b] in [6]
 * @param whatIf run the diagnosis section [W]
 * @param binlog the MariaDB binary log on (the default)
 * @param syncBinlog {@code sync_binlog=1}
 * @param repeat drains of each system side by side, 1 to 9
 * @param relayJdbc Connector/J properties for the relay's pool in [1]
 * @param relayJar the relay jar of [1j]
 * @param baselineJar another relay jar drained side by side with [1j] in [1o] (e.g. the build
 *     before a change, to show what the change costs); null: no [1o]
 * @param baselineSchema the schema scripts [6o]'s database gets, V1 to this version (default: all)
 * @param shapes the key shapes of [6], in order
 * @param shapeRows the backlog of each drain of [6], a multiple of 1,000
 * @param rates the target rates of [7], msg/s, in order
 * @param steadySeconds the measured window of each run of [7], in seconds
 */
record Options(
    Set<String> phases,
    boolean debezium,
    boolean whatIf,
    boolean binlog,
    boolean syncBinlog,
    int repeat,
    Map<String, String> relayJdbc,
    Path relayJar,
    @Nullable Path baselineJar,
    int baselineSchema,
    List<KeyShape> shapes,
    int shapeRows,
    List<Integer> rates,
    int steadySeconds) {

  static final List<String> PHASES =
      List.of("1", "1j", "1o", "1r", "1d", "1b", "2", "3", "4", "5", "6", "7");

  static final String USAGE =
      """
      usage: java -jar bench/target/outbox-bench.jar [options]   (from the repository's root)
        --phases=1,1j,1r,...  only these phases: 1 1j 1o 1r 1d 1b 2 3 4 5 6 7 (default: all but 1d, 1o, 5, 6, 7)
        --debezium            add phase 1d, Debezium embedded (also when --phases names 1d),
                        [6b], Debezium on phase 6's backlogs, and Debezium's run in [7]
        --repeat=N            drain N times (1 to 9) with each of 1, 1j, 1o, 1r, 1d, in rotating order
        --no-what-if          skip the diagnosis section [W]
        --binlog=on|off       MariaDB's binary log (default on: ROW, FULL image, sync_binlog=0)
        --sync-binlog         sync_binlog=1, as MySQL 8 by default
        --relay-jdbc=k=v,...  Connector/J properties for the relay's pool in [1]
        --relay-jar=PATH      the relay jar of [1j] (default outbox-relay/target/outbox-relay.jar)
        --baseline-jar=PATH   add phases 1o and 6o: this relay jar drained as [1j] and [6a],
                              side by side with them
  --baseline-schema=N   [6o]'s database has the schema up to version N only (1 to %d; default
                        all), to measure a schema change with the jar before it
        --shapes=10,zipf,...  the key shapes of phase 6: numbers of keys (uniform) and zipf
                              (default 10,1000,10000,100000,zipf)
        --shape-rows=N        the backlog of each drain of phase 6 (default 100000; 10000 to 1000000)
        --rates=N,N,...       the target rates of phase 7 in msg/s, 1 to 100000
                              (default 1000,1500,2000)
        --steady-seconds=N    the measured seconds of each run of phase 7 (default 120; 10 to 3600)
        --help                this text
      See bench/README.md."""
          .formatted(BenchDatabase.SCHEMA.length);

  /**
   * @throws IllegalArgumentException naming the option that is wrong and what it takes
   */
  static Options parse(String[] args) {
    Set<String> phases = new LinkedHashSet<>();
    boolean debezium = false;
    boolean whatIf = true;
    boolean binlog = true;
    boolean syncBinlog = false;
    int repeat = 1;
    Map<String, String> relayJdbc = new LinkedHashMap<>();
    Path relayJar = Path.of(RelayJar.DEFAULT_JAR);
    Path baselineJar = null;
    int baselineSchema = BenchDatabase.SCHEMA.length;
    List<KeyShape> shapes = new ArrayList<>();
    int shapeRows = BacklogShapes.DEFAULT_ROWS;
    List<Integer> rates = new ArrayList<>();
    int steadySeconds = SteadyState.DEFAULT_SECONDS;
    for (String arg : args) {
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=') + 1) : arg;
      String value = arg.substring(name.length());
      switch (name) {
        case "--phases=" -> {
          for (String phase : value.split(",", -1)) {
            if (!PHASES.contains(phase)) {
              throw new IllegalArgumentException(
                  arg + ": no phase '" + phase + "'; the phases are " + String.join(", ", PHASES));
            }
            phases.add(phase);
          }
          debezium |= phases.contains("1d");
        }
        case "--debezium" -> debezium = true;
        case "--no-what-if" -> whatIf = false;
        case "--binlog=" -> {
          if (!value.equals("on") && !value.equals("off")) {
            throw new IllegalArgumentException(arg + ": give --binlog=on or --binlog=off");
          }
          binlog = value.equals("on");
        }
        case "--sync-binlog" -> syncBinlog = true;
        case "--repeat=" -> {
          if (!value.matches("[1-9]")) {
            throw new IllegalArgumentException(
                arg + ": give the number of repetitions, 1 to 9, e.g. --repeat=3");
          }
          repeat = Integer.parseInt(value);
        }
        case "--relay-jdbc=" -> {
          for (String pair : value.split(",", -1)) {
            int equals = pair.indexOf('=');
            if (equals <= 0 || equals == pair.length() - 1) {
              throw new IllegalArgumentException(
                  arg
                      + ": '"
                      + pair
                      + "' is not name=value; e.g. --relay-jdbc=cachePrepStmts=true,prepStmtCacheSize=64");
            }
            relayJdbc.put(pair.substring(0, equals), pair.substring(equals + 1));
          }
        }
        case "--relay-jar=" -> {
          if (value.isBlank()) {
            throw new IllegalArgumentException(arg + ": give the path of a relay jar");
          }
          relayJar = Path.of(value);
        }
        case "--baseline-jar=" -> {
          if (value.isBlank()) {
            throw new IllegalArgumentException(arg + ": give the path of a relay jar");
          }
          baselineJar = Path.of(value);
          if (!java.nio.file.Files.isRegularFile(baselineJar)) {
            // checked here, before any server starts: [1o] and [6o] run minutes into the bench
            throw new IllegalArgumentException(
                arg
                    + ": no file at "
                    + baselineJar.toAbsolutePath()
                    + "; build the baseline jar first (bench/README.md, --baseline-jar)");
          }
        }
        case "--baseline-schema=" -> {
          int scripts = BenchDatabase.SCHEMA.length;
          if (!value.matches("[1-9]") || Integer.parseInt(value) > scripts) {
            throw new IllegalArgumentException(
                arg + ": give a schema version, 1 to " + scripts + ", e.g. --baseline-schema=4");
          }
          baselineSchema = Integer.parseInt(value);
        }
        case "--shapes=" -> {
          for (String shape : value.split(",", -1)) {
            try {
              shapes.add(KeyShape.of(shape));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException(arg + ": " + e.getMessage(), e);
            }
          }
        }
        case "--shape-rows=" -> {
          if (!value.matches("[1-9][0-9]{4,6}") || Integer.parseInt(value) % 1_000 != 0) {
            throw new IllegalArgumentException(
                arg + ": give a multiple of 1000 from 10000 to 1000000, e.g. --shape-rows=200000");
          }
          shapeRows = Integer.parseInt(value);
          if (shapeRows > 1_000_000) {
            throw new IllegalArgumentException(
                arg + ": give a multiple of 1000 from 10000 to 1000000, e.g. --shape-rows=200000");
          }
        }
        case "--rates=" -> {
          for (String rate : value.split(",", -1)) {
            if (!rate.matches("[1-9][0-9]{0,5}") || Integer.parseInt(rate) > 100_000) {
              throw new IllegalArgumentException(
                  arg
                      + ": '"
                      + rate
                      + "' is not a rate; give messages per second, 1 to 100000, e.g."
                      + " --rates=1000,1500,2000");
            }
            rates.add(Integer.parseInt(rate));
          }
        }
        case "--steady-seconds=" -> {
          if (!value.matches("[1-9][0-9]{0,3}")
              || Integer.parseInt(value) < 10
              || Integer.parseInt(value) > 3600) {
            throw new IllegalArgumentException(
                arg + ": give the measured seconds per run, 10 to 3600, e.g. --steady-seconds=120");
          }
          steadySeconds = Integer.parseInt(value);
        }
        default -> throw new IllegalArgumentException("unknown option '" + arg + "'\n" + USAGE);
      }
    }
    if (phases.contains("1o") && baselineJar == null) {
      throw new IllegalArgumentException(
          "--phases=...1o... needs --baseline-jar=PATH: the relay jar to compare with [1j]");
    }
    if (baselineSchema < BenchDatabase.SCHEMA.length && baselineJar == null) {
      throw new IllegalArgumentException(
          "--baseline-schema needs --baseline-jar=PATH: the jar that runs on that schema");
    }
    if (syncBinlog && !binlog) {
      throw new IllegalArgumentException("--sync-binlog needs the binary log: drop --binlog=off");
    }
    return new Options(
        Set.copyOf(phases),
        debezium,
        whatIf,
        binlog,
        syncBinlog,
        repeat,
        java.util.Collections.unmodifiableMap(relayJdbc),
        relayJar,
        baselineJar,
        baselineSchema,
        shapes.isEmpty() ? KeyShape.NAMES.stream().map(KeyShape::of).toList() : List.copyOf(shapes),
        shapeRows,
        rates.isEmpty() ? SteadyState.DEFAULT_RATES : List.copyOf(rates),
        steadySeconds);
  }

  /** Whether phase {@code tag} runs: named, or in the default set. */
  boolean runs(String tag) {
    if (!phases.isEmpty()) {
      return phases.contains(tag);
    }
    return switch (tag) {
      case "1d" -> debezium;
      case "1o" -> baselineJar != null;
      case "5", "6", "7" -> false;
      default -> true;
    };
  }

  /** MariaDB's extra server settings for these options. */
  String binlogConfig() {
    if (!binlog) {
      return "";
    }
    return "log_bin=outbox-binlog;binlog_format=ROW;binlog_row_image=FULL;server_id=1;sync_binlog="
        + (syncBinlog ? 1 : 0);
  }
}
