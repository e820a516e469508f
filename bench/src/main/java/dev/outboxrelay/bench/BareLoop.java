package dev.outboxrelay.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Phase [1r], the reference the relay is held against: a bare batched loop on the same schema,
 * server and backlog as [1], with none of the relay's features (no lanes, leases, ordering guard,
 * retries or metrics). Each of {@value #WORKERS} threads repeats, in one READ COMMITTED
 * transaction: claim the oldest {@value #BATCH} PENDING rows ({@code ORDER BY id LIMIT … FOR UPDATE
 * SKIP LOCKED}), send them all with one shared idempotent producer ({@code acks=all}, {@code
 * linger.ms=1} as the relay's), wait for every ack, mark them SENT with one {@code UPDATE … WHERE
 * id IN (…)}, commit; until no row is left. Each record carries key, payload and the {@code
 * outbox-id} header (the consumer counts by it).
 */
final class BareLoop {
  static final int WORKERS = 2;
  static final int BATCH = 2_000;
  static final long POLL_INTERVAL_MILLIS = RelayThroughput.POLL_INTERVAL.toMillis();

  private static final String CLAIM = claim("t_msg");

  private static String claim(String table) {
    return """
        SELECT id, topic, msg_key, payload FROM %s WHERE status = 0
        ORDER BY id LIMIT %d FOR UPDATE SKIP LOCKED"""
        .formatted(table, BATCH);
  }

  private BareLoop() {}

  static SideBySide.Drain run(Bench bench, int rows) throws Exception {
    bench.section(
        "[1r] Reference: a bare batched loop ("
            + WORKERS
            + " workers, batch "
            + String.format("%,d", BATCH)
            + ", READ COMMITTED) on the same kind of backlog");
    try (BenchDatabase db = BenchDatabase.create("bench_bare")) {
      String topic = bench.newTopic("bare");
      long insertNanos = Backlog.fill(db.pool("backlog", 1), topic, rows, Bench.KEYS, Bench.LANES);
      bench.line(
          "backlog: %,d PENDING rows inserted in %.1f s; claim plan: %s",
          rows, Bench.seconds(insertNanos), db.explain(CLAIM));
      return drain(bench, db, "t_msg", topic, rows);
    }
  }

  /**
   * Drains the {@code rows} PENDING rows of {@code table} (the product's {@code t_msg}, or a table
   * of the same columns, e.g. the lean reference of [6]) to {@code topic}; the clock stops when
   * both workers find nothing left to claim.
   */
  static SideBySide.Drain drain(Bench bench, BenchDatabase db, String table, String topic, int rows)
      throws Exception {
    Map<String, Long> statusBefore = Bench.serverStatus(db.jdbc);
    DataSource pool = db.pool("bare", WORKERS);
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    try (TopicConsumer consumer = new TopicConsumer(bench.bootstrapServers(), topic);
        Producer<byte[], byte[]> producer =
            bench.producer("bare-loop", Map.of(ProducerConfig.LINGER_MS_CONFIG, 1))) {
      Cpu.Snapshot cpuBefore = bench.cpu.snapshot();
      long started = System.nanoTime();
      List<Future<Integer>> loops = new ArrayList<>();
      for (int i = 0; i < WORKERS; i++) {
        loops.add(workers.submit(() -> loop(pool, producer, table, () -> false)));
      }
      int rounds = 0;
      for (Future<Integer> loop : loops) {
        rounds += loop.get(5, TimeUnit.MINUTES);
      }
      long doneAt = System.nanoTime();
      Cpu.Snapshot cpuAfter = bench.cpu.snapshot();
      Map<String, Long> statusAfter = Bench.serverStatus(db.jdbc);
      if (!consumer.awaitDistinct(rows, Duration.ofMinutes(1))) {
        throw new IllegalStateException(
            "only " + consumer.distinct() + " of " + rows + " records arrived");
      }
      double elapsed = Bench.seconds(doneAt - started);
      long sent = db.count("SELECT COUNT(*) FROM " + table + " WHERE status = 1");
      bench.line(
          "all %,d rows SENT after %.2f s -> %,.0f msg/s; %d rounds; %,d distinct records"
              + " consumed, %,d duplicates",
          rows, elapsed, rows / elapsed, rounds, consumer.distinct(), consumer.duplicates());
      Map<String, Double> cpu =
          bench.drainCosts(cpuBefore, cpuAfter, statusBefore, statusAfter, rows);
      return new SideBySide.Drain(
          rows / elapsed,
          cpu,
          sent == rows && consumer.distinct() == rows && consumer.duplicates() == 0);
    } finally {
      workers.shutdownNow();
    }
  }

  /**
   * One worker's loop; returns its non-empty rounds. When a claim finds nothing it returns, unless
   * {@code keepPolling} holds. While it holds, the loop paces itself as the relay jar's workers do:
   * after a round that was not full (fewer than {@value #BATCH} rows, none included) it waits
   * {@link #POLL_INTERVAL_MILLIS} (the relay jar's poll interval in the bench) before it claims
   * again; after a full one, at once.
   */
  static int loop(
      DataSource pool,
      Producer<byte[], byte[]> producer,
      String table,
      java.util.function.BooleanSupplier keepPolling)
      throws Exception {
    String claim = claim(table);
    int rounds = 0;
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      while (true) {
        List<Long> ids = new ArrayList<>(BATCH);
        List<Future<RecordMetadata>> acks = new ArrayList<>(BATCH);
        try (PreparedStatement select = connection.prepareStatement(claim);
            ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            long id = rs.getLong(1);
            String key = rs.getString(3);
            ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(
                    rs.getString(2),
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    rs.getBytes(4));
            record
                .headers()
                .add("outbox-id", Long.toString(id).getBytes(StandardCharsets.US_ASCII));
            ids.add(id);
            acks.add(producer.send(record));
          }
        }
        if (ids.isEmpty()) {
          connection.rollback();
          if (!keepPolling.getAsBoolean()) {
            return rounds;
          }
          TimeUnit.MILLISECONDS.sleep(POLL_INTERVAL_MILLIS);
          continue;
        }
        for (Future<RecordMetadata> ack : acks) {
          ack.get(30, TimeUnit.SECONDS);
        }
        try (Statement mark = connection.createStatement()) {
          mark.executeUpdate(
              "UPDATE "
                  + table
                  + " SET status = 1, sent_at = UTC_TIMESTAMP(3), attempts = attempts + 1"
                  + " WHERE id IN ("
                  + ids.stream().map(String::valueOf).collect(Collectors.joining(","))
                  + ")");
        }
        connection.commit();
        rounds++;
        if (ids.size() < BATCH && keepPolling.getAsBoolean()) {
          TimeUnit.MILLISECONDS.sleep(POLL_INTERVAL_MILLIS);
        }
      }
    }
  }
}
