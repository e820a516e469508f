package dev.outboxrelay.bench;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What publishes in one run of phase [7], and how the writers write for it: the relay jar (writers
 * send through the API), the bare loop on the lean table (writers insert one lean row), or Debezium
 * (writers insert the outbox row and delete it in the same transaction: the binary log keeps the
 * insert, and the table stays empty, as Debezium's outbox documentation suggests).
 */
abstract class SteadyPublisher implements AutoCloseable {
  /** What a message's sequence number is when its record carries none of this run's. */
  static final long NOT_OURS = Long.MIN_VALUE;

  /** The message {@code send} is given for the probe. */
  static final long PROBE = -1;

  /** The CPU meter of the run: this JVM, and the publisher's own process if it has one. */
  abstract Cpu cpu();

  /** Fails when the publisher stopped (its process exited, a thread of it failed). */
  abstract void requireRunning();

  /**
   * Commits one message in a transaction of its own and returns its sequence number, the one its
   * record will be matched by ({@link #sequenceOf}); {@code seq} is the writers' count, {@link
   * #PROBE} for the probe.
   *
   * @param committed told the sequence number and {@code System.nanoTime()} right after the commit
   */
  abstract long send(String topic, String key, long seq, Committed committed) throws Exception;

  /** Told of a commit. */
  interface Committed {
    void at(long sequence, long nanos);
  }

  /** The sequence number a consumed record carries, or {@link #NOT_OURS}. */
  abstract long sequenceOf(ConsumerRecord<byte[], byte[]> record);

  /** The PENDING rows now, or null when this publisher keeps no such state in the database. */
  abstract SteadyState.Sample sample();

  /** The table the messages are written to. */
  abstract String table();

  /** Whether {@link #sample}'s age of the oldest PENDING row is known (the lean table has none). */
  boolean knowsAges() {
    return true;
  }

  @Override
  public abstract void close() throws Exception;

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** A row's id from the {@code outbox-id} header the bare loop and the Debezium handler set. */
  private static long idHeader(ConsumerRecord<byte[], byte[]> record) {
    String id = header(record, "outbox-id");
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      return NOT_OURS;
    }
  }

  /** The relay jar, its writers sending through {@code Outbox.send}. */
  static final class RelayJarSide extends SteadyPublisher {
    private static final String REF_PREFIX = "steady-";
    private static final String PROBE_REF = "probe-"; // then a count: each reference is unique
    private static final String LANES =
        java.util.stream.IntStream.range(0, Bench.LANES)
            .mapToObj(Integer::toString)
            .collect(java.util.stream.Collectors.joining(","));

    // One statement, so count and age come from one read view: the PENDING rows by their lanes'
    // ranges of idx_msg_claim (lane, status, id), then the oldest of them by its primary key.
    private static final String PENDING_SAMPLE =
        "SELECT p.n, TIMESTAMPDIFF(MICROSECOND, m.created_at, UTC_TIMESTAMP(3)) / 1e6"
            + " FROM (SELECT COUNT(*) AS n, MIN(id) AS oldest FROM t_msg WHERE lane IN ("
            + LANES
            + ") AND status = 0) p LEFT JOIN t_msg m ON m.id = p.oldest";

    private final Process process;
    private final Path log;
    private final Service service;
    private final Cpu cpu;
    private final JdbcTemplate sampler;
    private final AtomicLong probes = new AtomicLong();

    RelayJarSide(
        Bench bench, Path jar, BenchDatabase db, Map<String, String> environment, int writers)
        throws Exception {
      log = Files.createTempFile("outbox-bench-relay-jar-", ".log");
      sampler = new JdbcTemplate(db.pool("sampler", 1));
      service =
          new Service(
              db.pool("service", writers + 2), OutboxSettings.builder().lanes(Bench.LANES).build());
      try {
        process = RelayJar.start(jar, db, bench.bootstrapServers(), log, environment);
      } catch (Exception | Error e) {
        service.close(); // its pools close with the database
        Files.deleteIfExists(log);
        throw e;
      }
      cpu = bench.cpu.withJvm("relay jar", process.pid());
    }

    @Override
    Cpu cpu() {
      return cpu;
    }

    @Override
    void requireRunning() {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the relay jar exited with status "
                + process.exitValue()
                + "; its log:\n"
                + RelayJar.tail(log));
      }
    }

    @Override
    long send(String topic, String key, long seq, Committed committed) {
      String ref = seq == PROBE ? PROBE_REF + probes.incrementAndGet() : REF_PREFIX + seq;
      service.transaction.executeWithoutResult(
          status -> {
            service.outbox.send(Service.message(topic, Math.max(0, seq), key, ref));
            TransactionSynchronizationManager.registerSynchronization(
                new TransactionSynchronization() {
                  @Override
                  public void afterCommit() {
                    committed.at(seq, System.nanoTime());
                  }
                });
          });
      return seq;
    }

    @Override
    long sequenceOf(ConsumerRecord<byte[], byte[]> record) {
      String ref = header(record, "outbox-ref-id");
      if (ref.startsWith(PROBE_REF)) {
        return PROBE;
      }
      return ref.startsWith(REF_PREFIX)
          ? Long.parseLong(ref.substring(REF_PREFIX.length()))
          : NOT_OURS;
    }

    @Override
    SteadyState.Sample sample() {
      SteadyState.Sample sample =
          sampler.query(
              PENDING_SAMPLE,
              rs ->
                  rs.next()
                      ? new SteadyState.Sample(rs.getLong(1), rs.getDouble(2))
                      : new SteadyState.Sample(0, 0));
      return sample == null ? new SteadyState.Sample(0, 0) : sample;
    }

    @Override
    String table() {
      return "t_msg";
    }

    @Override
    public void close() throws Exception {
      try {
        RelayJar.stop(process);
        service.close();
      } finally {
        Files.deleteIfExists(log);
      }
    }
  }

  /**
   * A publisher that runs in this JVM (its CPU is the bench JVM's) on threads of its own, whose
   * writers commit plain SQL and whose records carry the row id in {@code outbox-id}.
   */
  abstract static class InThisJvm extends SteadyPublisher {
    private final DataSource writers;
    private final Cpu cpu;
    private final String name;
    private final List<Future<?>> running = new ArrayList<>();
    volatile boolean stopped;

    InThisJvm(Bench bench, DataSource writers, String name) {
      this.writers = writers;
      this.cpu = bench.cpu;
      this.name = name;
    }

    /** Keeps {@code thread} to be checked by {@link #requireRunning}. */
    final void watch(Future<?> thread) {
      running.add(thread);
    }

    /** Writes message {@code seq} on {@code connection}, in its transaction; returns its row id. */
    abstract long write(Connection connection, String topic, String key, long seq)
        throws SQLException;

    @Override
    final Cpu cpu() {
      return cpu;
    }

    @Override
    final void requireRunning() {
      for (Future<?> thread : running) {
        if (thread.isDone() && !stopped) {
          try {
            thread.get();
            throw new IllegalStateException(name + " ended early");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(name + " failed: " + e.getCause(), e.getCause());
          }
        }
      }
    }

    @Override
    final long send(String topic, String key, long seq, Committed committed) throws SQLException {
      try (Connection connection = writers.getConnection()) {
        connection.setAutoCommit(false);
        long id = write(connection, topic, key, Math.max(0, seq));
        connection.commit();
        committed.at(id, System.nanoTime());
        connection.setAutoCommit(true);
        return id;
      }
    }

    @Override
    final long sequenceOf(ConsumerRecord<byte[], byte[]> record) {
      return idHeader(record);
    }
  }

  /**
   * The bare loop of [6l] on the lean table, paced as the relay jar's workers are (after a round
   * that was not full it waits the poll interval, 10 ms), and a purge every {@link
   * SteadyState#PURGE_INTERVAL} of the SENT rows older than {@link SteadyState#RETENTION}: the lean
   * table has no creation time, so the purge remembers the highest id at each of its passes and
   * deletes the SENT rows up to the one it saw a retention ago, through {@code idx_lean_claim
   * (status, id)} (it examines about what it deletes).
   */
  static final class LeanLoopSide extends InThisJvm {
    private static final String INSERT =
        "INSERT INTO t_msg_lean (topic, msg_key, payload, status) VALUES (?, ?, ?, 0)";
    private static final String PURGE =
        "DELETE FROM t_msg_lean WHERE status = 1 AND id <= ? ORDER BY id LIMIT 10000";

    private final JdbcTemplate admin;
    private final Producer<byte[], byte[]> producer;
    private final ExecutorService threads = Executors.newFixedThreadPool(BareLoop.WORKERS + 1);

    LeanLoopSide(Bench bench, BenchDatabase db, int writerThreads) {
      super(bench, db.pool("lean-writers", writerThreads + 2), "the lean loop");
      admin = db.jdbc;
      admin.execute(BacklogShapes.LEAN_TABLE);
      DataSource loops = db.pool("lean-loop", BareLoop.WORKERS);
      DataSource purge = db.pool("lean-purge", 1);
      producer = bench.producer("lean-loop", Map.of(ProducerConfig.LINGER_MS_CONFIG, 1));
      for (int i = 0; i < BareLoop.WORKERS; i++) {
        watch(threads.submit(() -> BareLoop.loop(loops, producer, "t_msg_lean", () -> !stopped)));
      }
      watch(threads.submit(() -> purge(purge)));
    }

    private Void purge(DataSource pool) throws Exception {
      Deque<long[]> seen = new ArrayDeque<>(); // {nanos, highest id then}
      JdbcTemplate jdbc = new JdbcTemplate(pool);
      while (!stopped) {
        long now = System.nanoTime();
        Long highest =
            jdbc.queryForObject("SELECT COALESCE(MAX(id), 0) FROM t_msg_lean", Long.class);
        seen.addLast(new long[] {now, highest == null ? 0 : highest});
        long upTo = -1;
        while (!seen.isEmpty() && now - seen.peekFirst()[0] >= SteadyState.RETENTION.toNanos()) {
          upTo = seen.removeFirst()[1];
        }
        if (upTo > 0) {
          while (jdbc.update(PURGE, upTo) == 10_000 && !stopped) {
            // the next chunk
          }
        }
        TimeUnit.NANOSECONDS.sleep(
            Math.max(0, now + SteadyState.PURGE_INTERVAL.toNanos() - System.nanoTime()));
      }
      return null;
    }

    @Override
    long write(Connection connection, String topic, String key, long seq) throws SQLException {
      try (PreparedStatement insert =
          connection.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS)) {
        insert.setString(1, topic);
        insert.setString(2, key);
        insert.setBytes(3, Backlog.payload(seq, key));
        insert.executeUpdate();
        return generatedId(insert);
      }
    }

    @Override
    SteadyState.Sample sample() {
      Long pending =
          admin.queryForObject("SELECT COUNT(*) FROM t_msg_lean WHERE status = 0", Long.class);
      return new SteadyState.Sample(pending == null ? 0 : pending, 0);
    }

    @Override
    boolean knowsAges() {
      return false;
    }

    @Override
    String table() {
      return "t_msg_lean";
    }

    @Override
    public void close() throws Exception {
      stopped = true;
      threads.shutdown();
      threads.awaitTermination(30, TimeUnit.SECONDS);
      producer.close();
    }
  }

  /**
   * Debezium's embedded engine with the outbox event router, as in [6b]; the writers insert the
   * outbox row and delete it in the same transaction.
   */
  static final class DebeziumSide extends InThisJvm {
    private final Producer<byte[], byte[]> producer;
    private final Path state;
    private final ExecutorService engine = Executors.newSingleThreadExecutor();

    DebeziumSide(Bench bench, BenchDatabase db, int writerThreads) throws Exception {
      super(bench, db.pool("debezium-writers", writerThreads + 2), "Debezium's engine");
      producer = bench.producer("debezium", Map.of(ProducerConfig.LINGER_MS_CONFIG, 1));
      state = Files.createTempDirectory("outbox-bench-debezium-");
      DatabaseServer server = TestServers.database();
      Properties config =
          DebeziumPeer.config(
              db.name(), server.host(), server.port(), server.username(), server.password(), state);
      watch(
          engine.submit(
              () -> {
                DebeziumPeer.runUntil(
                    config, producer, new AtomicLong(), 0, () -> stopped, Integer.MAX_VALUE / 2);
                return null;
              }));
    }

    @Override
    long write(Connection connection, String topic, String key, long seq) throws SQLException {
      long id = Backlog.insertOne(connection, topic, key, seq);
      try (PreparedStatement delete =
          connection.prepareStatement("DELETE FROM t_msg WHERE id = ?")) {
        delete.setLong(1, id);
        delete.executeUpdate();
      }
      return id;
    }

    @Override
    SteadyState.Sample sample() {
      return null; // its backlog is in the binary log, not in a table
    }

    @Override
    String table() {
      return "t_msg";
    }

    @Override
    public void close() throws Exception {
      stopped = true;
      engine.shutdown();
      if (!engine.awaitTermination(60, TimeUnit.SECONDS)) {
        engine.shutdownNow();
        throw new IllegalStateException(
            "Debezium's engine did not stop within 60 s; its state stays in " + state);
      }
      producer.close();
      try (var paths = Files.walk(state)) {
        for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }

  /** The id MariaDB gave the row {@code insert} (prepared with its generated keys) inserted. */
  static long generatedId(PreparedStatement insert) throws SQLException {
    try (ResultSet keys = insert.getGeneratedKeys()) {
      if (!keys.next()) {
        throw new IllegalStateException("the INSERT returned no generated id");
      }
      return keys.getLong(1);
    }
  }
}
