package dev.outboxrelay.bench;

import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.OutboxSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Phase [6], the relay on the backlogs users write ({@code --phases=6} only): for each key shape of
 * {@code --shapes} ({@link KeyShape}: 10 to 100,000 keys drawn uniformly, and a Zipf-skewed one), a
 * backlog of {@code --shape-rows} messages (default {@value #DEFAULT_ROWS}) drained side by side,
 * {@code --repeat} times in rotating order, by
 *
 * <ul>
 *   <li>[6a] a <b>warm</b> relay jar ({@link RelayJar#drainWarm}: it has drained a warm-up backlog
 *       first, as a relay that keeps running has compiled its code) on a backlog written <b>through
 *       the public API</b>: a service (plain Spring, {@code @EnableOutbox}, fast path off, default
 *       settings but 16 lanes) sends it with {@code Outbox.send} in one transaction, which the
 *       running jar sees at its commit;
 *   <li>[6d] the same with {@code outbox.relay.on-ack=delete}: acknowledged rows are deleted
 *       instead of marked SENT;
 *   <li>[6o] with {@code --baseline-jar}, that jar drained as [6a] (a change's effect, side by
 *       side), on the schema up to {@code --baseline-schema} (a schema change's effect);
 *   <li>[6b] with {@code --debezium}, [1d]'s Debezium engine on the backlog through the API;
 *   <li>[6s] the warm relay jar on the same messages inserted into {@code t_msg} by batched SQL
 *       ({@link Backlog}), also in one transaction;
 *   <li>[6r] the bare batched loop of [1r] on that SQL backlog in the product's {@code t_msg};
 *   <li>[6l] the same bare loop on a <b>lean table</b>: the columns the loop reads and writes, the
 *       primary key and one secondary index {@code (status, id)}, the physical reference for what a
 *       claim-publish-mark loop costs on this server.
 * </ul>
 *
 * The messages are the same in all drains: message {@code i} has the shape's key for {@code i} and
 * {@link Backlog#payload}'s 300-byte JSON. The jar runs with [1j]'s settings (batch 2,000, 2
 * workers, 16 lanes, poll 10 ms); the bare loops run in this JVM, warm after the first drain. Each
 * shape prints [1j]'s side-by-side table: rates, CPU per process and the server's counters per
 * 1,000 messages, and the ratios of each relay drain to every system.
 */
final class BacklogShapes {
  static final int DEFAULT_ROWS = 100_000;

  static final String LEAN_TABLE =
      """
      CREATE TABLE t_msg_lean (
        id BIGINT NOT NULL AUTO_INCREMENT,
        topic VARCHAR(249) NOT NULL,
        msg_key VARCHAR(255) NULL,
        payload MEDIUMBLOB NOT NULL,
        status TINYINT NOT NULL DEFAULT 0,
        attempts INT NOT NULL DEFAULT 0,
        sent_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        KEY idx_lean_claim (status, id)
      ) ENGINE=InnoDB""";

  private static final String LEAN_INSERT =
      "INSERT INTO t_msg_lean (topic, msg_key, payload, status) VALUES (?, ?, ?, 0)";

  private BacklogShapes() {}

  /** The drains of one shape, side by side. */
  static void run(
      Bench bench,
      Path jar,
      @Nullable Path baselineJar,
      int baselineSchema,
      boolean debezium,
      KeyShape shape,
      int rows,
      int repeat)
      throws Exception {
    bench.section(
        "[6] Backlog shape '"
            + shape.name()
            + "': "
            + String.format("%,d", rows)
            + " messages over "
            + String.format("%,d", shape.keys())
            + (shape.zipf() == 0 ? " keys, uniform" : " keys, Zipf s=" + shape.zipf()));
    KeyShape.Keys keys = shape.draw();
    String tag = " shape " + shape.name() + ": ";
    BacklogWriter throughApi = (db, topic, count) -> sendThroughApi(db, topic, keys, count);
    List<String> names = new ArrayList<>();
    List<SideBySide.DrainPhase> drains = new ArrayList<>();
    names.add("[6a] relay jar, backlog through Outbox.send");
    drains.add(
        warmJar(
            bench,
            jar,
            "[6a]" + tag + "warm relay jar, backlog through Outbox.send",
            "api",
            rows,
            throughApi,
            Map.of(),
            BenchDatabase.SCHEMA.length));
    names.add("[6d] relay jar, on-ack=delete, backlog through Outbox.send");
    drains.add(
        warmJar(
            bench,
            jar,
            "[6d]"
                + tag
                + "warm relay jar with outbox.relay.on-ack=delete, backlog through Outbox.send",
            "delete",
            rows,
            throughApi,
            Map.of("OUTBOX_RELAY_ON_ACK", "delete"),
            BenchDatabase.SCHEMA.length));
    if (baselineJar != null) {
      names.add("[6o] baseline jar, backlog through Outbox.send");
      drains.add(
          warmJar(
              bench,
              baselineJar,
              "[6o]"
                  + tag
                  + "warm baseline jar "
                  + baselineJar.getFileName()
                  + (baselineSchema < BenchDatabase.SCHEMA.length
                      ? " on schema V" + baselineSchema
                      : "")
                  + ", backlog through Outbox.send",
              "baseline",
              rows,
              throughApi,
              Map.of(),
              baselineSchema));
    }
    if (debezium) {
      names.add("[6b] Debezium embedded, backlog through Outbox.send");
      drains.add(repetition -> DebeziumPeer.run(bench, "[6b]" + tag, rows, throughApi));
    }
    names.add("[6s] relay jar, backlog by SQL");
    drains.add(
        warmJar(
            bench,
            jar,
            "[6s]" + tag + "warm relay jar, backlog by SQL",
            "sql",
            rows,
            (db, topic, count) ->
                Backlog.fillInOneTransaction(
                    db.pool("backlog", 1), topic, count, keys::key, Bench.LANES),
            Map.of(),
            BenchDatabase.SCHEMA.length));
    names.add("[6r] bare loop, t_msg");
    drains.add(
        bareLoop(
            bench,
            "[6r]" + tag + "bare loop on t_msg",
            "bare",
            "t_msg",
            rows,
            (db, topic, count) ->
                Backlog.fill(db.pool("backlog", 1), topic, count, keys::key, Bench.LANES)));
    names.add("[6l] bare loop, lean table");
    drains.add(
        bareLoop(
            bench,
            "[6l]" + tag + "bare loop on the lean table (PRIMARY(id), idx_lean_claim(status,id))",
            "lean",
            "t_msg_lean",
            rows,
            (db, topic, count) -> {
              db.jdbc.execute(LEAN_TABLE);
              return fillLean(db.pool("backlog", 1), topic, keys, count);
            }));
    List<SideBySide.Runs> runs = SideBySide.run(bench, repeat, names, drains, 2);
    reportTargets(bench, shape, runs);
  }

  /**
   * Issue 21's targets for this shape, in the Results table: the relay jar's median drain (mark
   * SENT, and on-ack=delete) at least the lean loop's with 100 keys or more (fewer keys: figure
   * only), and at least Debezium's warm drain, taken as its fastest of the repetitions (its first
   * drains in this JVM also compile the engine).
   */
  private static void reportTargets(Bench bench, KeyShape shape, List<SideBySide.Runs> runs) {
    SideBySide.Runs lean =
        runs.stream().filter(r -> r.system().startsWith("[6l]")).findFirst().get();
    SideBySide.Runs debezium =
        runs.stream().filter(r -> r.system().startsWith("[6b]")).findFirst().orElse(null);
    String keys =
        shape.zipf() == 0
            ? shape.name() + " keys"
            : String.format("%,d keys, Zipf s=%s", shape.keys(), shape.zipf());
    for (SideBySide.Runs relay : runs.subList(0, 2)) {
      String system = relay.system().substring(0, 4);
      double toLean = relay.medianRate() / lean.medianRate();
      if (Double.isNaN(toLean)) { // a system's drains all failed: no figure, no verdict
        bench.report.add(
            String.format("[6] %s: %s / [6l] lean loop", keys, system), "n/a", null, null);
      } else {
        bench.report.add(
            String.format("[6] %s: %s / [6l] lean loop, medians", keys, system),
            String.format("%.2f×", toLean),
            shape.keys() >= 100 ? ">= 1.00×" : null,
            shape.keys() >= 100 ? toLean >= 1.0 : null);
      }
      if (debezium != null) {
        double toDebezium = relay.medianRate() / debezium.fastestRate();
        bench.report.add(
            String.format(
                "[6] %s: %s median / [6b] Debezium's warm drain (its fastest)", keys, system),
            Double.isNaN(toDebezium) ? "n/a" : String.format("%.2f×", toDebezium),
            Double.isNaN(toDebezium) ? null : ">= 1.00×",
            Double.isNaN(toDebezium) ? null : toDebezium >= 1.0);
      }
    }
  }

  /** A warm relay jar's drain of the backlog {@code writer} commits in one transaction. */
  private static SideBySide.DrainPhase warmJar(
      Bench bench,
      Path jar,
      String title,
      String name,
      int rows,
      BacklogWriter writer,
      Map<String, String> settings,
      int schemaScripts) {
    return repetition -> {
      bench.section(title);
      try (BenchDatabase db = BenchDatabase.create("bench_shape_" + name, schemaScripts)) {
        String topic = bench.newTopic("shape-" + name);
        return RelayJar.drainWarm(
            bench,
            jar,
            db,
            topic,
            rows,
            count ->
                bench.line(
                    "backlog: %,d messages written in one transaction in %.1f s",
                    count, Bench.seconds(writer.write(db, topic, count))),
            settings);
      }
    };
  }

  /** The bare loop's drain of {@code table}, into which {@code writer} wrote the backlog. */
  private static SideBySide.DrainPhase bareLoop(
      Bench bench, String title, String name, String table, int rows, BacklogWriter writer) {
    return repetition -> {
      bench.section(title);
      try (BenchDatabase db = BenchDatabase.create("bench_shape_" + name)) {
        String topic = bench.newTopic("shape-" + name);
        long nanos = writer.write(db, topic, rows);
        bench.line("backlog: %,d rows inserted in %.1f s", rows, Bench.seconds(nanos));
        return BareLoop.drain(bench, db, table, topic, rows);
      }
    };
  }

  /**
   * The backlog as a service writes it: {@code Outbox.send} {@code rows} times in one transaction
   * (a relay already running sees it at once, at the commit), fast path off; returns the
   * nanoseconds it took.
   */
  private static long sendThroughApi(BenchDatabase db, String topic, KeyShape.Keys keys, int rows) {
    OutboxSettings settings = OutboxSettings.builder().lanes(Bench.LANES).build();
    // references are unique per message: a drain's warm-up writes into the same database first
    String batch = Long.toString(System.nanoTime(), 36);
    long started = System.nanoTime();
    try (Service service = new Service(db.pool("service", 2), settings)) {
      service.transaction.executeWithoutResult(
          status -> {
            for (int i = 0; i < rows; i++) {
              String key = keys.key(i);
              service.outbox.send(
                  OutboxMessage.builder(topic)
                      .key(key)
                      .payload(Backlog.payload(i, key))
                      .reference(1, "backlog-" + batch + "-" + i)
                      .build());
            }
          });
    }
    return System.nanoTime() - started;
  }

  /** The same messages into the lean table by batched SQL; returns the nanoseconds it took. */
  private static long fillLean(DataSource pool, String topic, KeyShape.Keys keys, int rows) {
    long started = System.nanoTime();
    try (Connection connection = pool.getConnection();
        PreparedStatement insert = connection.prepareStatement(LEAN_INSERT)) {
      connection.setAutoCommit(false);
      for (int i = 0; i < rows; i++) {
        String key = keys.key(i);
        insert.setString(1, topic);
        insert.setString(2, key);
        insert.setBytes(3, Backlog.payload(i, key));
        insert.addBatch();
        if ((i + 1) % 1_000 == 0) {
          insert.executeBatch();
        }
        if ((i + 1) % 10_000 == 0) {
          connection.commit();
        }
      }
      insert.executeBatch();
      connection.commit();
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      throw new IllegalStateException("could not fill the lean table: " + e, e);
    }
    return System.nanoTime() - started;
  }
}
