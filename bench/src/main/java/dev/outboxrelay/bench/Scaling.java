package dev.outboxrelay.bench;

import dev.outboxrelay.internal.OutboxRow;
import dev.outboxrelay.internal.RoundClaims;
import dev.outboxrelay.relay.RelaySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Phase [5] ({@code --phases=5}, not in the default run: about 2.5 minutes), how the relay scales:
 * its drain rate and CPU per 1,000 messages with 1, 2 and 4 workers and with 1 and 2 relay
 * instances on the same database, and what one claim costs in a table of {@value #SMALL_TABLE} and
 * of {@value #LARGE_TABLE} rows of which 1 % are PENDING (the rest SENT, not yet purged). A drain
 * that is not reported runs first, so that no row of the table pays for compiling the relay.
 */
final class Scaling {
  static final int ROWS = 100_000;
  static final int SMALL_TABLE = 100_000;
  static final int LARGE_TABLE = 2_000_000;
  static final int PENDING_EVERY = 100;
  static final int CLAIMS = 21;

  private Scaling() {}

  static void run(Bench bench) throws Exception {
    bench.section("[5] Scaling: warm-up drain (not reported)");
    RelayThroughput.run(bench, RelayThroughput.ROWS, RelaySettings.OnAck.MARK_SENT, 2, 1);
    List<String[]> rows = new ArrayList<>();
    for (int[] setup : new int[][] {{1, 1}, {2, 1}, {4, 1}, {1, 2}, {2, 2}}) {
      int workers = setup[0];
      int instances = setup[1];
      bench.section(
          "[5] Scaling: "
              + instances
              + (instances == 1 ? " relay" : " relays")
              + " of "
              + workers
              + (workers == 1 ? " worker" : " workers")
              + ", "
              + String.format("%,d", ROWS)
              + "-row backlog");
      RelayThroughput.Result result =
          RelayThroughput.run(bench, ROWS, RelaySettings.OnAck.MARK_SENT, workers, instances);
      rows.add(
          new String[] {
            instances + " × " + workers,
            String.format("%,.0f msg/s", result.rate()),
            Cpu.Snapshot.describePerThousand(result.cpuPerThousand())
          });
    }
    List<String> claims = new ArrayList<>();
    for (int size : new int[] {SMALL_TABLE, LARGE_TABLE}) {
      claims.add(claimCost(bench, size));
    }
    bench.section("[5] Scaling: the table");
    bench.line("| relays × workers | drain | CPU per 1,000 messages |");
    bench.line("|---|---|---|");
    for (String[] row : rows) {
      bench.line("| %s | %s | %s |", (Object[]) row);
    }
    bench.line("");
    bench.line(
        "| table rows (1 %% PENDING) | claim, median of %d | guard, median of %d |"
            + " MariaDB reads per claim + guard |",
        CLAIMS, CLAIMS);
    bench.line("|---|---|---|---|");
    claims.forEach(line -> bench.line("%s", line));
  }

  /**
   * One worker's claim (8 lanes, 250 rows each, as a worker of [1] asks) and its ordering guard,
   * {@value #CLAIMS} times, each in a transaction rolled back, on a table of {@code size} rows of
   * which 1 % are PENDING.
   */
  private static String claimCost(Bench bench, int size) throws Exception {
    bench.section(
        String.format(
            "[5] Scaling: one claim in a table of %,d rows (%,d PENDING, the rest SENT)",
            size, size / PENDING_EVERY));
    try (BenchDatabase db = BenchDatabase.create("bench_scale")) {
      long fillNanos =
          Backlog.fillWithSent(
              db.pool("fill", 1), "bench-scale", size, Bench.KEYS, Bench.LANES, PENDING_EVERY);
      bench.line("table written in %.1f s (not in the binary log)", Bench.seconds(fillNanos));
      DataSource pool = db.pool("claim", 2);
      RoundClaims store = new RoundClaims(pool);
      TransactionTemplate transaction =
          new TransactionTemplate(new DataSourceTransactionManager(pool));
      transaction.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
      List<Integer> lanes = IntStream.range(0, Bench.LANES / 2).boxed().toList();
      int perLane = RelayThroughput.BATCH_SIZE / lanes.size();
      double[] claimMillis = new double[CLAIMS];
      double[] guardMillis = new double[CLAIMS];
      int[] claimed = new int[1];
      Map<String, Long> before = Bench.serverStatus(db.jdbc);
      for (int i = 0; i < CLAIMS; i++) {
        int round = i;
        transaction.executeWithoutResult(
            status -> {
              long started = System.nanoTime();
              List<OutboxRow> rows = store.claimLanes(lanes, perLane, Long.MAX_VALUE).rows();
              long locked = System.nanoTime();
              store.firstBlockingIdsInLanes(rows);
              long guarded = System.nanoTime();
              claimMillis[round] = (locked - started) / 1e6;
              guardMillis[round] = (guarded - locked) / 1e6;
              claimed[0] = rows.size();
              status.setRollbackOnly();
            });
      }
      Map<String, Long> after = Bench.serverStatus(db.jdbc);
      bench.line("each claim locked %,d rows", claimed[0]);
      return String.format(
          "| %,d | %.1f ms (%,d rows) | %.1f ms | Handler_read_key %,d, Handler_read_next %,d |",
          size,
          SideBySide.median(claimMillis),
          claimed[0],
          SideBySide.median(guardMillis),
          Bench.delta(before, after, "Handler_read_key") / CLAIMS,
          Bench.delta(before, after, "Handler_read_next") / CLAIMS);
    }
  }
}
