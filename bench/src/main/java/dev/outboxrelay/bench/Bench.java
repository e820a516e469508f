package dev.outboxrelay.bench;

import dev.outboxrelay.relay.RelaySettings;
import dev.outboxrelay.testsupport.KafkaBroker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.jdbc.core.JdbcTemplate;

/** What every phase shares: the broker, the CPU meter, the output and the results table. */
final class Bench {
  static final int LANES = 16;
  static final int KEYS = 10_000;
  static final int PARTITIONS = 4;

  final KafkaBroker kafka;
  final Cpu cpu;
  final PrintStream out;
  final Report report = new Report();

  /**
   * Connector/J properties for the relay's pool in [1] ({@code --relay-jdbc=name=value,...}), to
   * measure JDBC settings side by side; empty by default.
   */
  Map<String, String> relayDriverProperties = Map.of();

  private final AtomicInteger topics = new AtomicInteger();

  Bench(KafkaBroker kafka, Cpu cpu, PrintStream out) {
    this.kafka = kafka;
    this.cpu = cpu;
    this.out = out;
  }

  String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** A new topic with {@link #PARTITIONS} partitions, every partition with a leader. */
  String newTopic(String prefix) {
    String topic =
        "bench-"
            + prefix
            + "-"
            + topics.incrementAndGet()
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    kafka.createTopic(topic, PARTITIONS);
    return topic;
  }

  /** The relay's settings for the benchmark: everything else at the shipped defaults. */
  RelaySettings relaySettings(int batchSize, int workers, Duration pollInterval) {
    return relaySettings(
        LANES, batchSize, workers, pollInterval, Map.of(), RelaySettings.OnAck.MARK_SENT);
  }

  /**
   * The same with other lanes, {@code outbox.relay.kafka.properties.*} set to {@code
   * kafkaProperties} and {@code outbox.relay.on-ack}.
   */
  RelaySettings relaySettings(
      int lanes,
      int batchSize,
      int workers,
      Duration pollInterval,
      Map<String, String> kafkaProperties,
      RelaySettings.OnAck onAck) {
    return RelaySettings.builder()
        .onAck(onAck)
        .kafkaProperties(kafkaProperties)
        .kafkaBootstrapServers(bootstrapServers())
        .lanes(lanes)
        .workers(workers)
        .batchSize(batchSize)
        .pollInterval(pollInterval)
        .instanceId("bench-relay")
        .build();
  }

  /**
   * An idempotent producer with acks=all; {@code overrides} as given. Without overrides it is the
   * relay's own configuration (RelayProducer.config): linger 5 ms, batch.size 256 KiB.
   */
  Producer<byte[], byte[]> producer(String clientId, Map<String, Object> overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.putAll(overrides);
    return new KafkaProducer<>(config);
  }

  void section(String title) {
    out.println();
    out.println("=== " + title + " ===");
  }

  void line(String format, Object... args) {
    out.println("  " + String.format(format, args));
  }

  /** Global status counters of MariaDB that show what the server did. */
  static Map<String, Long> serverStatus(JdbcTemplate jdbc) {
    Map<String, Long> status = new LinkedHashMap<>();
    jdbc.query(
        """
        SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_rows_read', 'Innodb_rows_updated',
          'Innodb_rows_inserted', 'Handler_read_next', 'Handler_read_key', 'Innodb_buffer_pool_reads',
          'Innodb_data_fsyncs', 'Innodb_row_lock_waits', 'Innodb_row_lock_time',
          'Innodb_deadlocks', 'Com_commit', 'Com_select', 'Com_update', 'Com_insert', 'Com_delete',
          'Com_rollback', 'Questions', 'Bytes_received', 'Bytes_sent', 'Handler_read_rnd_next',
          'Created_tmp_tables', 'Sort_rows', 'Binlog_bytes_written')""",
        rs -> {
          status.put(rs.getString(1), Long.parseLong(rs.getString(2)));
        });
    return status;
  }

  private static final java.util.Set<String> LOCK_COUNTERS =
      java.util.Set.of("Innodb_deadlocks", "Innodb_row_lock_waits", "Innodb_row_lock_time");

  /**
   * Deadlocks and row lock waits between two snapshots: "0 deadlocks, 3 row lock waits (12 ms)".
   */
  static String locks(Map<String, Long> before, Map<String, Long> after) {
    return String.format(
        "%d deadlocks, %d row lock waits (%d ms waited in all)",
        delta(before, after, "Innodb_deadlocks"),
        delta(before, after, "Innodb_row_lock_waits"),
        delta(before, after, "Innodb_row_lock_time"));
  }

  static long delta(Map<String, Long> before, Map<String, Long> after, String name) {
    return after.getOrDefault(name, 0L) - before.getOrDefault(name, 0L);
  }

  /** The server counters between two snapshots, per 1,000 messages. */
  static String perThousand(Map<String, Long> before, Map<String, Long> after, long messages) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, Long> entry : after.entrySet()) {
      long delta = entry.getValue() - before.getOrDefault(entry.getKey(), 0L);
      if (delta == 0 || LOCK_COUNTERS.contains(entry.getKey())) {
        continue;
      }
      text.append(text.length() == 0 ? "" : ", ")
          .append(entry.getKey())
          .append(' ')
          .append(String.format("%,.1f", delta * 1000.0 / messages));
    }
    return text.toString();
  }

  /**
   * Prints the CPU and database lines of a drained backlog of {@code messages}.
   *
   * @return CPU milliseconds per 1,000 messages, by process ({@link Cpu})
   */
  Map<String, Double> drainCosts(
      Cpu.Snapshot cpuBefore,
      Cpu.Snapshot cpuAfter,
      Map<String, Long> statusBefore,
      Map<String, Long> statusAfter,
      long messages) {
    line("CPU while draining: %s", cpuAfter.coresSince(cpuBefore));
    Map<String, Double> perThousand = cpuAfter.perThousandSince(cpuBefore, messages);
    line("CPU per 1,000 messages: %s", Cpu.Snapshot.describePerThousand(perThousand));
    line(
        "MariaDB per 1,000 messages: %s; %s",
        perThousand(statusBefore, statusAfter, messages), locks(statusBefore, statusAfter));
    return perThousand;
  }

  /** "History list length N" of SHOW ENGINE INNODB STATUS: undo not yet purged. */
  static String historyListLength(JdbcTemplate jdbc) {
    String status =
        jdbc.query("SHOW ENGINE INNODB STATUS", rs -> rs.next() ? rs.getString("Status") : "");
    for (String line : status == null ? new String[0] : status.split("\n")) {
      if (line.startsWith("History list length")) {
        return line.substring("History list length".length()).trim();
      }
    }
    return "?";
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
