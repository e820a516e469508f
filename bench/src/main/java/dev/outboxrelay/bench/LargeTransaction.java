package dev.outboxrelay.bench;

import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestServers;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * One business transaction with 100,000 {@code Outbox.send} calls of 4 KiB payloads, fast path on,
 * no relay running (bench/README.md, "One transaction of 100,000 sends"): commit time, time until
 * the fast path has them all SENT and on the topic, the most parameters one statement carried, the
 * peak heap, and the latency of a business call stream on the same pool meanwhile.
 *
 * <p>Run: {@code java -Xmx512m -cp bench/target/outbox-bench.jar
 * dev.outboxrelay.bench.LargeTransaction [--messages=N] [--payload-bytes=N]
 * [--jdbc=name=value,...]}; exit status 0 when every message was delivered and no business call
 * failed, 1 otherwise, 2 for a bad option.
 */
public final class LargeTransaction {
  private static final int PARTITIONS = 4;
  private static final int KEYS = 1_000;
  // the large transaction, a business call, two fast path threads: the README's pool advice
  private static final int POOL_SIZE = 4;
  private static final Duration DRAIN_LIMIT = Duration.ofMinutes(10);

  private final PrintStream out;
  private final int messages;
  private final int payloadBytes;
  private final Map<String, String> jdbc;
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final AtomicLong peakHeap = new AtomicLong();
  private final Latencies whileWriting = new Latencies();
  private final Latencies whileDraining = new Latencies();
  private final AtomicLong streamFailures = new AtomicLong();
  private final AtomicReference<Throwable> firstStreamFailure = new AtomicReference<>();
  private volatile Latencies streamPhase = whileWriting;
  private volatile boolean stopping;

  private LargeTransaction(
      PrintStream out, int messages, int payloadBytes, Map<String, String> jdbc) {
    this.out = out;
    this.messages = messages;
    this.payloadBytes = payloadBytes;
    this.jdbc = jdbc;
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int messages = 100_000;
    int payloadBytes = 4 * 1024;
    Map<String, String> jdbc = new HashMap<>();
    for (String arg : args) {
      try {
        if (arg.startsWith("--messages=")) {
          messages = Integer.parseInt(arg.substring("--messages=".length()));
        } else if (arg.startsWith("--payload-bytes=")) {
          payloadBytes = Integer.parseInt(arg.substring("--payload-bytes=".length()));
        } else if (arg.startsWith("--jdbc=")) {
          for (String pair : arg.substring("--jdbc=".length()).split(",")) {
            String[] nameValue = pair.split("=", 2);
            if (nameValue.length != 2 || nameValue[0].isBlank()) {
              throw new IllegalArgumentException("--jdbc takes name=value,...: " + pair);
            }
            jdbc.put(nameValue[0].trim(), nameValue[1].trim());
          }
        } else {
          throw new IllegalArgumentException("unknown option " + arg);
        }
        if (messages < 1 || payloadBytes < 1) {
          throw new IllegalArgumentException("counts must be positive: " + arg);
        }
      } catch (NumberFormatException e) {
        System.err.println("large-transaction: not a number in " + arg);
        System.exit(2);
      } catch (IllegalArgumentException e) {
        System.err.println("large-transaction: " + e.getMessage());
        System.exit(2);
      }
    }
    boolean delivered = new LargeTransaction(out, messages, payloadBytes, jdbc).run();
    System.exit(delivered ? 0 : 1);
  }

  private boolean run() throws Exception {
    out.println("One transaction of " + messages + " sends, " + Instant.now());
    System.setProperty(
        TestServers.MARIADB_EXTRA_CONFIG, Options.parse(new String[0]).binlogConfig());
    KafkaBroker kafka = TestServers.kafka();
    try (BenchDatabase database = BenchDatabase.create("large_tx")) {
      out.println(
          "Java "
              + System.getProperty("java.version")
              + ", heap max "
              + Runtime.getRuntime().maxMemory() / (1024 * 1024)
              + " MiB, "
              + Runtime.getRuntime().availableProcessors()
              + " cores");
      out.println("MariaDB: " + serverSettings(database));
      database.jdbc.execute(
          "CREATE TABLE t_order (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(64) NOT"
              + " NULL, amount INT NOT NULL)");
      String topic = "large-tx-" + UUID.randomUUID();
      String streamTopic = "large-tx-stream-" + UUID.randomUUID();
      kafka.createTopic(topic, PARTITIONS);
      kafka.createTopic(streamTopic, PARTITIONS);
      Map<String, String> driver = new HashMap<>(jdbc);
      driver.putAll(StatementParameters.DRIVER_PROPERTIES);
      DataSource pool = database.pool("service", POOL_SIZE, driver);
      OutboxSettings settings =
          OutboxSettings.builder().kafkaBootstrapServers(kafka.bootstrapServers()).build();
      out.println(
          "service: pool of "
              + POOL_SIZE
              + " (Hikari), Connector/J properties "
              + (jdbc.isEmpty() ? "none (client-side prepares)" : jdbc)
              + "; fast path on, outbox defaults ("
              + settings.fastPath()
              + "); no relay running");
      try (Service service = new Service(pool, settings)) {
        return measure(service, database, topic, streamTopic, kafka.bootstrapServers());
      }
    }
  }

  private boolean measure(
      Service service,
      BenchDatabase database,
      String topic,
      String streamTopic,
      String bootstrapServers)
      throws Exception {
    Thread heap = daemon("heap-sampler", this::sampleHeap);
    Thread stream = daemon("business-stream", () -> businessCalls(service, streamTopic));
    heap.start();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    peakHeap.set(heapBefore);
    stream.start();

    byte[] payload = new byte[payloadBytes];
    new Random(1).nextBytes(payload);
    long[] written = new long[1];
    long started = System.nanoTime();
    try {
      service.transaction.executeWithoutResult(
          status -> {
            for (int i = 0; i < messages; i++) {
              service.outbox.send(
                  OutboxMessage.builder(topic)
                      .key("customer-" + i % KEYS)
                      .payload(payload)
                      .reference(2, "large-" + i)
                      .build());
            }
            written[0] = System.nanoTime();
          });
    } catch (RuntimeException e) {
      stopping = true;
      out.println("THE TRANSACTION FAILED after " + seconds(System.nanoTime() - started) + ":");
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        out.println("  " + cause);
      }
      return false;
    }
    long committed = System.nanoTime();
    long peakWhileWriting = peakHeap.getAndSet(memory.getHeapMemoryUsage().getUsed());
    streamPhase = whileDraining;

    long deadline = committed + DRAIN_LIMIT.toNanos();
    long sent;
    do {
      TimeUnit.MILLISECONDS.sleep(200); // polling the database's count, not a test's wait
      sent = database.count("SELECT COUNT(*) FROM t_msg WHERE topic = ? AND status = 1", topic);
    } while (sent < messages && System.nanoTime() < deadline);
    long drained = System.nanoTime();
    stopping = true;
    stream.join(10_000);
    long peakWhileDraining = peakHeap.get();
    long onTopic = endOffsets(bootstrapServers, topic);

    out.println();
    out.println("| figure | value |");
    out.println("|---|---|");
    row("writing " + messages + " sends (in the transaction)", seconds(written[0] - started));
    row("commit", seconds(committed - written[0]));
    row(
        "commit → all SENT (fast path alone)",
        sent == messages
            ? seconds(drained - committed)
            : "NOT REACHED: " + sent + " of " + messages + " after " + DRAIN_LIMIT);
    row("records on the topic", String.valueOf(onTopic));
    row(
        "rows with an error recorded",
        String.valueOf(
            database.count(
                "SELECT COUNT(*) FROM t_msg WHERE topic = ? AND last_error IS NOT NULL", topic)));
    row(
        "most parameters in one statement",
        StatementParameters.most() + " (" + StatementParameters.mostSql() + ")");
    row("heap used before (after a GC)", mib(heapBefore));
    row("peak heap used while writing (sampled every 10 ms)", mib(peakWhileWriting));
    row("peak heap used while draining (sampled every 10 ms)", mib(peakWhileDraining));
    row("business calls while writing", whileWriting.summary());
    row("business calls while draining", whileDraining.summary());
    row(
        "business calls failed",
        streamFailures.get()
            + (firstStreamFailure.get() == null
                ? ""
                : " (first: " + firstStreamFailure.get() + ")"));
    return sent == messages && onTopic == messages && streamFailures.get() == 0;
  }

  /** One thread of small business transactions (an order and its event) on the service's pool. */
  private void businessCalls(Service service, String streamTopic) {
    for (long n = 0; !stopping; n++) {
      long call = n;
      Latencies phase = streamPhase;
      long started = System.nanoTime();
      try {
        service.transaction.executeWithoutResult(
            status -> {
              service.jdbc.update(
                  "INSERT INTO t_order (customer, amount) VALUES (?, ?)", "c" + call % 50, 42);
              service.outbox.send(
                  Service.message(streamTopic, call, "stream-" + call % 50, "stream-" + call));
            });
        phase.recordNanos(System.nanoTime() - started);
      } catch (RuntimeException e) {
        streamFailures.incrementAndGet();
        firstStreamFailure.compareAndSet(null, e);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(5); // about 100 calls a second, not a saturating load
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sampleHeap() {
    while (!stopping) {
      peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
      try {
        TimeUnit.MILLISECONDS.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static long endOffsets(String bootstrapServers, String topic) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      IntStream.range(0, PARTITIONS)
          .forEach(p -> latest.put(new TopicPartition(topic, p), OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(info -> info.offset())
          .sum();
    }
  }

  private static String serverSettings(BenchDatabase database) {
    List<String> names =
        List.of(
            "version",
            "log_bin",
            "binlog_format",
            "max_allowed_packet",
            "binlog_cache_size",
            "max_binlog_cache_size",
            "innodb_log_file_size",
            "innodb_buffer_pool_size",
            "innodb_lock_wait_timeout");
    StringBuilder settings = new StringBuilder();
    for (String name : names) {
      settings
          .append(settings.isEmpty() ? "" : ", ")
          .append(name)
          .append('=')
          .append(database.jdbc.queryForObject("SELECT @@" + name, String.class));
    }
    return settings.toString();
  }

  private void row(String figure, String value) {
    out.println("| " + figure + " | " + value + " |");
  }

  private static Thread daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  private static String seconds(long nanos) {
    return String.format("%.1f s", nanos / 1e9);
  }

  private static String mib(long bytes) {
    return bytes / (1024 * 1024) + " MiB";
  }
}
