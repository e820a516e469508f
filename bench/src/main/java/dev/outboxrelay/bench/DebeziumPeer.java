package dev.outboxrelay.bench;

import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestServers;
import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Phase [1d] ({@code --debezium}), the fastest peer: Debezium's embedded engine with the MariaDB
 * connector reads the binary log and its outbox event router turns each INSERT into {@code t_msg}
 * into a record (topic = the row's {@code topic}, key = {@code msg_key}, value = {@code payload},
 * header {@code outbox-id} = {@code id}); the handler sends each batch with an idempotent producer
 * ({@code acks=all}, {@code linger.ms=1}), waits for the acks, then lets the engine commit its
 * offsets. "Backlog then start": the engine runs once until it has streamed a probe row from the
 * binary log (its offsets then point past it), stops, the backlog is inserted, and the clock runs
 * from the second start until Kafka has acknowledged every record (the end [1] and [1r] use too); a
 * consumer then checks that every record arrived.
 */
final class DebeziumPeer {
  private DebeziumPeer() {}

  /**
   * One drain of the backlog {@code backlog} writes ({@code rows} messages) while no engine runs.
   *
   * @param label the phase's tag and shape, e.g. "[1d]", the start of its section's title
   */
  static SideBySide.Drain run(Bench bench, String label, int rows, BacklogWriter backlog)
      throws Exception {
    bench.section(
        label
            + " Peer: Debezium "
            + DebeziumEngine.class.getPackage().getImplementationVersion()
            + " embedded, MariaDB connector + outbox event router");
    DatabaseServer server = TestServers.database();
    try (BenchDatabase db = BenchDatabase.create("bench_dbz")) {
      String topic = bench.newTopic("dbz");
      Path state = Files.createTempDirectory("outbox-bench-debezium-");
      Properties config =
          config(
              db.name(), server.host(), server.port(), server.username(), server.password(), state);
      try (Producer<byte[], byte[]> probeProducer =
              bench.producer("debezium-probe", Map.of(ProducerConfig.LINGER_MS_CONFIG, 1));
          Producer<byte[], byte[]> producer =
              bench.producer("debezium", Map.of(ProducerConfig.LINGER_MS_CONFIG, 1));
          TopicConsumer consumer = new TopicConsumer(bench.bootstrapServers(), topic)) {
        // 1. stream until a probe row comes through: the engine's offsets then sit past it. Its
        // own producer: the drain's starts as cold as the relay's and the bare loop's.
        long[] polls = {0};
        AtomicLong acked = new AtomicLong(); // every record, probes too
        javax.sql.DataSource probePool = db.pool("probe", 1);
        runUntil(
            config,
            probeProducer,
            acked,
            0,
            () -> {
              if (acked.get() > 0) {
                return true;
              }
              if (polls[0]++ % 1000 == 0) { // every 2 s until one arrives
                Backlog.fill(probePool, topic, 1, 1, Bench.LANES);
              }
              return false;
            },
            120);
        // the drain counts the backlog's records only: a probe row may still come through in it
        long firstBacklogId = db.count("SELECT COALESCE(MAX(id), 0) + 1 FROM t_msg");
        long probesConsumed = consumer.distinct();
        AtomicLong drained = new AtomicLong();
        // 2. the backlog, written while no engine runs
        long insertNanos = backlog.write(db, topic, rows);
        bench.line("backlog: %,d messages written in %.1f s", rows, Bench.seconds(insertNanos));
        Map<String, Long> statusBefore = Bench.serverStatus(db.jdbc);
        Cpu.Snapshot cpuBefore = bench.cpu.snapshot();
        long started = System.nanoTime();
        // 3. drain it
        long[] doneAt = {0};
        Cpu.Snapshot[] cpuAfter = {null};
        runUntil(
            config,
            producer,
            drained,
            firstBacklogId,
            () -> {
              if (drained.get() < rows) {
                return false;
              }
              doneAt[0] = System.nanoTime();
              cpuAfter[0] = bench.cpu.snapshot();
              return true;
            },
            300);
        Map<String, Long> statusAfter = Bench.serverStatus(db.jdbc);
        if (!consumer.awaitDistinct(probesConsumed + rows, java.time.Duration.ofMinutes(1))) {
          throw new IllegalStateException(
              "only "
                  + (consumer.distinct() - probesConsumed)
                  + " of "
                  + rows
                  + " records arrived");
        }
        double elapsed = Bench.seconds(doneAt[0] - started);
        bench.line(
            "all %,d records acknowledged by Kafka after %.2f s -> %,.0f msg/s; all consumed,"
                + " %,d duplicates",
            rows, elapsed, rows / elapsed, consumer.duplicates());
        Map<String, Double> cpu =
            bench.drainCosts(cpuBefore, cpuAfter[0], statusBefore, statusAfter, rows);
        return new SideBySide.Drain(
            rows / elapsed,
            cpu,
            consumer.duplicates() == 0 && consumer.distinct() >= probesConsumed + rows);
      } finally {
        deleteTree(state);
      }
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /**
   * Runs the engine until {@code done} holds (checked every 2 ms) or the timeout, then stops it;
   * {@code acked} counts the records with an id from {@code countFrom} on that Kafka acknowledged.
   */
  static void runUntil(
      Properties config,
      Producer<byte[], byte[]> producer,
      AtomicLong acked,
      long countFrom,
      java.util.function.BooleanSupplier done,
      int timeoutSeconds)
      throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    // the engine logs a failure and returns: its completion callback is where the cause is
    java.util.concurrent.atomic.AtomicReference<String> ended =
        new java.util.concurrent.atomic.AtomicReference<>();
    try (DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine =
        DebeziumEngine.create(Connect.class)
            .using(config)
            .using(
                (success, message, error) ->
                    ended.set(
                        (success ? "stopped: " : "failed: ")
                            + message
                            + (error == null ? "" : " (" + error + ")")))
            .notifying(
                (records, committer) -> {
                  List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
                  long counted = 0;
                  for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
                    ProducerRecord<byte[], byte[]> record = toRecord(event.value());
                    if (record != null) {
                      acks.add(producer.send(record));
                      String id =
                          new String(
                              record.headers().lastHeader("outbox-id").value(),
                              StandardCharsets.US_ASCII);
                      counted += Long.parseLong(id) >= countFrom ? 1 : 0;
                    }
                  }
                  for (Future<RecordMetadata> ack : acks) {
                    try {
                      ack.get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                      throw new IllegalStateException("no ack from Kafka", e);
                    }
                  }
                  acked.addAndGet(counted);
                  for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
                    committer.markProcessed(event);
                  }
                  committer.markBatchFinished();
                })
            .build()) {
      executor.execute(engine);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (!done.getAsBoolean()) {
        if (ended.get() != null) {
          throw new IllegalStateException("Debezium's engine " + ended.get());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Debezium did not finish within "
                  + timeoutSeconds
                  + " s ("
                  + acked.get()
                  + " records acknowledged so far)");
        }
        TimeUnit.MILLISECONDS.sleep(2);
      }
    } finally {
      executor.shutdown();
      executor.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** The outbox router's record as a Kafka record; null for what is not a routed event. */
  private static ProducerRecord<byte[], byte[]> toRecord(SourceRecord routed) {
    // only the router's events (they carry the id header): no schema changes
    if (routed == null
        || routed.topic() == null
        || routed.value() == null
        || routed.headers().lastWithName("id") == null) {
      return null;
    }
    Object key = routed.key();
    Object value = routed.value();
    byte[] payload =
        value instanceof ByteBuffer buffer
            ? bytes(buffer)
            : value instanceof byte[] array
                ? array
                : String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            routed.topic(),
            key == null ? null : String.valueOf(key).getBytes(StandardCharsets.UTF_8),
            payload);
    record
        .headers()
        .add(
            "outbox-id",
            String.valueOf(routed.headers().lastWithName("id").value())
                .getBytes(StandardCharsets.US_ASCII));
    return record;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  static Properties config(
      String database, String host, int port, String user, String password, Path state) {
    Properties config = new Properties();
    config.setProperty("name", "outbox-bench-debezium");
    config.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
    config.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
    config.setProperty("offset.storage.file.filename", state.resolve("offsets.dat").toString());
    config.setProperty("offset.flush.interval.ms", "1000");
    config.setProperty("database.hostname", host);
    config.setProperty("database.port", Integer.toString(port));
    config.setProperty("database.user", user);
    config.setProperty("database.password", password);
    config.setProperty("database.ssl.mode", "disable");
    config.setProperty("database.server.id", "4242");
    config.setProperty("topic.prefix", "bench");
    config.setProperty("database.include.list", database);
    config.setProperty("table.include.list", database + ".t_msg");
    config.setProperty("snapshot.mode", "no_data");
    config.setProperty("include.schema.changes", "false");
    config.setProperty(
        "schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
    config.setProperty(
        "schema.history.internal.file.filename", state.resolve("history.dat").toString());
    config.setProperty("max.batch.size", "4096");
    // the relay's poll interval in the bench (Debezium's default is 500 ms): in a drain the queue
    // is never empty and this does not matter; in the steady state of [7] it is the wait
    config.setProperty("poll.interval.ms", Long.toString(RelayThroughput.POLL_INTERVAL.toMillis()));
    config.setProperty("max.queue.size", "16384");
    config.setProperty("binary.handling.mode", "bytes");
    // the outbox event router, mapped onto t_msg
    config.setProperty("transforms", "outbox");
    config.setProperty("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
    config.setProperty("transforms.outbox.table.field.event.id", "id");
    config.setProperty("transforms.outbox.table.field.event.key", "msg_key");
    config.setProperty("transforms.outbox.table.field.event.payload", "payload");
    config.setProperty("transforms.outbox.route.by.field", "topic");
    config.setProperty("transforms.outbox.route.topic.replacement", "${routedByValue}");
    config.setProperty("transforms.outbox.table.fields.additional.placement", "id:header:id");
    config.setProperty("transforms.outbox.table.expand.json.payload", "false");
    config.setProperty("transforms.outbox.table.op.invalid.behavior", "warn");
    return config;
  }
}
