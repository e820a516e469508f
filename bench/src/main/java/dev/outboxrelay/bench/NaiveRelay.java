package dev.outboxrelay.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Phase 2: the article's relay, one row at a time: in a transaction, select the oldest PENDING row
 * FOR UPDATE, {@code send(record).get()}, mark it SENT, commit; again until none is left.
 */
final class NaiveRelay {
  static final String SELECT_ONE =
      """
      SELECT id, topic, msg_key, payload FROM t_msg WHERE status = 0 ORDER BY id LIMIT 1 FOR UPDATE""";

  static final String MARK_ONE = "UPDATE t_msg SET status = 1 WHERE id = ?";

  private NaiveRelay() {}

  /**
   * The index that serves the naive select, {@code (status, id)}: our schema has none (the relay
   * does not need it), so without it the select walks the primary key past every row already sent.
   */
  static final String NAIVE_INDEX = "CREATE INDEX idx_naive_status_id ON t_msg (status, id)";

  /**
   * Drains a fresh backlog of {@code rows}; returns messages per second. With {@code indexed} the
   * table gets {@link #NAIVE_INDEX} first: the naive relay's best case.
   */
  static double run(Bench bench, int lingerMs, int rows, boolean indexed) throws Exception {
    try (BenchDatabase db = BenchDatabase.create("bench_naive")) {
      String topic = bench.newTopic("naive");
      Backlog.fill(db.pool("backlog", 1), topic, rows, Bench.KEYS, Bench.LANES);
      if (indexed) {
        try (Connection connection = db.pool("ddl", 1).getConnection();
            java.sql.Statement ddl = connection.createStatement()) {
          ddl.execute(NAIVE_INDEX);
          ddl.execute("ANALYZE TABLE t_msg");
        }
      }
      try (Producer<byte[], byte[]> producer =
              bench.producer(
                  "bench-naive",
                  Map.of(
                      ProducerConfig.LINGER_MS_CONFIG,
                      lingerMs,
                      // Kafka 4's default batch size: the naive relay has one record in flight
                      ProducerConfig.BATCH_SIZE_CONFIG,
                      16_384));
          Connection connection = db.pool("naive", 1).getConnection()) {
        producer.partitionsFor(topic); // metadata now, not in the timed loop
        connection.setAutoCommit(false);
        String isolation = isolationName(connection.getTransactionIsolation());
        String plan = db.explain(SELECT_ONE.replace(" FOR UPDATE", ""));
        Cpu.Snapshot cpuBefore = bench.cpu.snapshot();
        long started = System.nanoTime();
        long half = 0;
        int done = 0;
        long selectNanos = 0;
        long sendNanos = 0;
        long markNanos = 0;
        try (PreparedStatement select = connection.prepareStatement(SELECT_ONE);
            PreparedStatement mark = connection.prepareStatement(MARK_ONE)) {
          while (true) {
            long t0 = System.nanoTime();
            long id;
            ProducerRecord<byte[], byte[]> record;
            try (ResultSet row = select.executeQuery()) {
              if (!row.next()) {
                connection.commit();
                break;
              }
              id = row.getLong("id");
              record =
                  new ProducerRecord<>(
                      row.getString("topic"),
                      row.getString("msg_key").getBytes(StandardCharsets.UTF_8),
                      row.getBytes("payload"));
            }
            record.headers().add("outbox-id", Long.toString(id).getBytes(StandardCharsets.UTF_8));
            long t1 = System.nanoTime();
            producer.send(record).get();
            long t2 = System.nanoTime();
            mark.setLong(1, id);
            mark.executeUpdate();
            connection.commit();
            long t3 = System.nanoTime();
            selectNanos += t1 - t0;
            sendNanos += t2 - t1;
            markNanos += t3 - t2;
            done++;
            if (done == rows / 2) {
              half = System.nanoTime();
            }
          }
        }
        long ended = System.nanoTime();
        String cpu = bench.cpu.snapshot().coresSince(cpuBefore);
        if (done != rows || db.pending() != 0) {
          throw new IllegalStateException("naive relay sent " + done + " of " + rows);
        }
        double rate = rows / Bench.seconds(ended - started);
        double firstHalf = (rows / 2) / Bench.seconds(half - started);
        double secondHalf = (rows - rows / 2) / Bench.seconds(ended - half);
        bench.line(
            "linger.ms=%d%s: %,d rows in %.2f s -> %,.0f msg/s (first half %,.0f, second half %,.0f"
                + " msg/s; %.2f ms per message); CPU %s",
            lingerMs,
            indexed ? ", with an index on (status, id)" : ", schema as is",
            rows,
            Bench.seconds(ended - started),
            rate,
            firstHalf,
            secondHalf,
            1000.0 / rate,
            cpu);
        bench.line(
            "    per message: select FOR UPDATE %.2f ms, send().get() %.2f ms, update+commit %.2f ms",
            selectNanos / 1e6 / rows, sendNanos / 1e6 / rows, markNanos / 1e6 / rows);
        bench.line(
            "    isolation %s (the connection's default, as in the article); plan of the select: %s",
            isolation, plan);
        return rate;
      }
    }
  }

  private static String isolationName(int level) throws SQLException {
    switch (level) {
      case Connection.TRANSACTION_READ_COMMITTED:
        return "READ COMMITTED";
      case Connection.TRANSACTION_REPEATABLE_READ:
        return "REPEATABLE READ";
      case Connection.TRANSACTION_SERIALIZABLE:
        return "SERIALIZABLE";
      case Connection.TRANSACTION_READ_UNCOMMITTED:
        return "READ UNCOMMITTED";
      default:
        return "level " + level;
    }
  }
}
