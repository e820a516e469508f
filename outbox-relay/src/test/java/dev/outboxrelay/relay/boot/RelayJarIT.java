package dev.outboxrelay.relay.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.RelayJarProcess;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The packaged relay, {@code target/outbox-relay.jar}, started as a real process with {@code java
 * -jar} and configured by environment variables only, against the real test database and broker.
 */
class RelayJarIT {
  private static final String[] SCHEMA = dev.outboxrelay.internal.OutboxSchema.mysqlScripts();
  private static final String BAD_BATCH_SIZE =
      "outbox.relay.batch-size must be between 1 and 10000, was 0";

  private static TestDatabase database;
  private static KafkaBroker kafka;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final List<Process> processes = new ArrayList<>();

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The last HTTP answer (or why there was none), for assertion messages. */
  private static volatile String lastHttp = "(no request yet)";

  @BeforeAll
  static void servers() {
    database = TestServers.database().createDatabase("relay_jar");
    database.runScript(SCHEMA);
    kafka = TestServers.kafka();
  }

  @AfterAll
  static void dropDatabase() {
    if (database != null) {
      database.close();
    }
  }

  @AfterEach
  void killLeftovers() throws InterruptedException {
    for (Process process : processes) {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void servesProbesAndMetricsDeliversAndExitsZeroOnSigterm() throws Exception {
    int port = freePort();
    Path log = logFile("relay-jar");
    Process relay = start(port, log, Map.of());
    String base = "http://127.0.0.1:" + port;

    awaitTrue(
        "liveness UP",
        relay,
        log,
        Duration.ofSeconds(90),
        () -> isUp(get(base + "/actuator/health/liveness")));
    awaitTrue(
        "readiness UP (database and Kafka reachable)",
        relay,
        log,
        Duration.ofSeconds(60),
        () -> isUp(get(base + "/actuator/health/readiness")));

    JsonNode readiness = JSON.readTree(get(base + "/actuator/health/readiness").body());
    assertThat(readiness.path("components").propertyNames())
        .as("readiness = readiness state + database + Kafka + the relay's writes: %s", readiness)
        .containsExactlyInAnyOrder("readinessState", "db", "kafka", "relayDatabase");
    JsonNode liveness = JSON.readTree(get(base + "/actuator/health/liveness").body());
    assertThat(liveness.path("components").propertyNames())
        .as("liveness = liveness state + workers making progress: %s", liveness)
        .containsExactlyInAnyOrder("livenessState", "relayWorkers");

    // Metrics: the gauges are registered when the relay is built; wait for a lane to be owned.
    awaitTrue(
        "a lane owned, as the Prometheus endpoint shows",
        relay,
        log,
        Duration.ofSeconds(30),
        () -> {
          HttpResponse<String> prometheus = get(base + "/actuator/prometheus");
          return prometheus != null
              && prometheus.statusCode() == 200
              && prometheus.body().contains("outbox_pending_messages")
              && prometheus.body().lines().anyMatch(RelayJarIT::ownsALane);
        });

    // Nothing that shows configuration or secrets is served.
    for (String hidden : List.of("env", "configprops", "beans", "heapdump", "threaddump")) {
      HttpResponse<String> response = get(base + "/actuator/" + hidden);
      assertThat(response.statusCode()).as("/actuator/" + hidden).isEqualTo(404);
    }
    String health = get(base + "/actuator/health").body();
    assertThat(health).as("/actuator/health").doesNotContain("\"details\"");
    String password = TestServers.database().password();
    if (!password.isEmpty()) {
      assertThat(health).as("/actuator/health").doesNotContain(password);
    }

    // A row committed to the outbox is published and marked SENT.
    String topic = "relay-jar-" + UUID.randomUUID().toString().substring(0, 8);
    kafka.createTopic(topic, 1);
    String key = "order-" + UUID.randomUUID();
    long id = insertPending(topic, key, "{\"points\":10}");
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      consumer.subscribe(List.of(topic));
      ConsumerRecord<String, byte[]> received = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (received == null && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          if (key.equals(record.key())) {
            received = record;
          }
        }
      }
      assertThat(received).as("record %s on %s within 60 s; %s", key, topic, tail(log)).isNotNull();
      assertThat(new String(received.value(), StandardCharsets.UTF_8)).isEqualTo("{\"points\":10}");
      assertThat(received.headers().lastHeader("outbox-id")).isNotNull();
      // a row written without msg_id, as a writer older than schema V4 does, carries the
      // name-based id derived from its own columns
      assertThat(
              UUID.fromString(
                      new String(
                          received.headers().lastHeader("outbox-id").value(),
                          StandardCharsets.UTF_8))
                  .version())
          .isEqualTo(3);
    }
    awaitTrue(
        "row " + id + " marked SENT", relay, log, Duration.ofSeconds(30), () -> status(id) == 1);

    // SIGTERM: a clean stop, exit status 0.
    relay.destroy();
    assertThat(relay.waitFor(30, TimeUnit.SECONDS))
        .as("the relay stops within 30 s of SIGTERM; %s", tail(log))
        .isTrue();
    assertThat(relay.exitValue()).as("exit status after SIGTERM; %s", tail(log)).isZero();
    assertThat(Files.readString(log)).contains("outbox relay stopped");
  }

  @Test
  void invalidSettingExitsNonZeroNamingTheProperty() throws Exception {
    Path log = logFile("relay-jar-invalid");
    Process relay = start(freePort(), log, Map.of("OUTBOX_RELAY_BATCH_SIZE", "0"));
    assertFailsInOneLine(relay, log, line -> line.equals(BAD_BATCH_SIZE));
  }

  @Test
  void valuesThatCannotBeReadOrThatKafkaRefusesExitNonZeroNamingTheProperty() throws Exception {
    Path unknownOption = logFile("relay-jar-on-ack");
    assertFailsInOneLine(
        start(freePort(), unknownOption, Map.of("OUTBOX_RELAY_ON_ACK", "bogus")),
        unknownOption,
        line -> line.equals("outbox.relay.on-ack must be one of mark-sent, delete, was 'bogus'"));

    Path badAddress = logFile("relay-jar-bootstrap");
    assertFailsInOneLine(
        start(
            freePort(),
            badAddress,
            Map.of("OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS", "kafka-no-port")),
        badAddress,
        line ->
            line.startsWith("outbox.relay.kafka.bootstrap-servers is refused by Kafka's producer:")
                && line.contains("kafka-no-port"));
  }

  @Test
  void fewerLanesThanTheWritersExitsNonZeroInOneLineNamingBothSettings() throws Exception {
    JdbcTemplate jdbc = new JdbcTemplate(database.dataSource());
    jdbc.update(
        "INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,"
            + " next_attempt_at, created_at) VALUES (1, 'lane-9', 'unserved', 'k', 'x', 9, 0,"
            + " UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))");
    try {
      Path log = logFile("relay-jar-lanes");
      Process relay = start(freePort(), log, Map.of("OUTBOX_RELAY_LANES", "4"));
      String prefix = "outbox.relay.lanes (4) must equal the writers' outbox.lanes: ";
      assertFailsInOneLine(
          relay, log, line -> line.startsWith(prefix) && line.endsWith("never publishes"));
    } finally {
      jdbc.update("DELETE FROM t_msg WHERE ref_id = 'lane-9'");
    }
  }

  /**
   * The relay exits non-zero within 60 s, with a line of its output that is the one-line message
   * ({@code message} matches it, stripped) and no stack trace of ours.
   */
  private static void assertFailsInOneLine(
      Process relay, Path log, java.util.function.Predicate<String> message) throws Exception {
    assertThat(relay.waitFor(60, TimeUnit.SECONDS))
        .as("the relay exits within 60 s; %s", tail(log))
        .isTrue();
    assertThat(relay.exitValue()).as("exit status; %s", tail(log)).isNotZero();
    String output = Files.readString(log);
    assertThat(output.lines().map(String::strip))
        .as("a line that is exactly the message; %s", tail(log))
        .anyMatch(message);
    assertThat(output).as("no stack trace; %s", tail(log)).doesNotContain("\tat ");
  }

  /**
   * The field report's memory stall: 1,000 PENDING rows of about 1 MiB (as large as a record
   * Kafka's default max.request.size takes), the relay with all defaults and -Xmx512m. It used to
   * claim 500 of them at once, run out of heap in the claim query and block forever in socket reads
   * with liveness UP. Now each round is bounded by outbox.relay.batch-bytes: all are sent, liveness
   * stays UP, no OutOfMemoryError.
   */
  @Test
  void deliversABacklogOfLargeMessagesWithinTheDocumentedHeap() throws Exception {
    String topic = "relay-jar-large-" + UUID.randomUUID().toString().substring(0, 8);
    kafka.createTopic(topic, 1);
    JdbcTemplate jdbc = new JdbcTemplate(database.dataSource());
    int rows = 1000;
    for (int i = 0; i < rows; i++) {
      // the payload is built by the server: the test's heap stays small
      jdbc.update(
          """
          INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status, attempts,
                             next_attempt_at, created_at)
          VALUES (1, ?, ?, ?, REPEAT('x', 1000000), ?, 0, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))""",
          "large-" + i,
          topic,
          "k" + i,
          i % 16);
    }
    try {
      int port = freePort();
      Path log = logFile("relay-jar-large");
      Process relay =
          start(port, log, Map.of(), List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError"));
      String liveness = "http://127.0.0.1:" + port + "/actuator/health/liveness";
      awaitTrue("liveness UP", relay, log, Duration.ofSeconds(90), () -> isUp(get(liveness)));
      awaitTrue(
          "all " + rows + " large messages SENT, liveness UP throughout",
          relay,
          log,
          Duration.ofMinutes(5),
          () -> {
            assertThat(isUp(get(liveness))).as("liveness; %s", tail(log)).isTrue();
            return jdbc.queryForObject(
                    "SELECT COUNT(*) FROM t_msg WHERE topic = ? AND status = 1",
                    Integer.class,
                    topic)
                == rows;
          });
      assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
      relay.destroy();
      assertThat(relay.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      jdbc.update("DELETE FROM t_msg WHERE topic = ?", topic);
    }
  }

  /**
   * A worker that makes no progress fails liveness and says why: here its claim waits on a table
   * lock another session holds (as on a server that stopped answering). When the lock goes,
   * liveness is UP again.
   */
  @Test
  void aWorkerStuckInOneRoundFailsLivenessUntilItMovesAgain() throws Exception {
    int port = freePort();
    Path log = logFile("relay-jar-stall");
    Process relay =
        start(
            port,
            log,
            Map.of(
                "OUTBOX_RELAY_SEND_TIMEOUT", "1s",
                "OUTBOX_RELAY_MAX_BLOCK", "500ms",
                "OUTBOX_RELAY_STALL_TIMEOUT", "3s"));
    String liveness = "http://127.0.0.1:" + port + "/actuator/health/liveness";
    awaitTrue("liveness UP", relay, log, Duration.ofSeconds(90), () -> isUp(get(liveness)));
    try (Connection locker = database.dataSource().getConnection();
        java.sql.Statement lock = locker.createStatement()) {
      lock.execute("LOCK TABLES t_msg WRITE");
      try {
        awaitTrue(
            "liveness DOWN (503) with relayWorkers DOWN",
            relay,
            log,
            Duration.ofSeconds(30),
            () -> {
              HttpResponse<String> response = get(liveness);
              return response != null
                  && response.statusCode() == 503
                  && response.body().contains("\"relayWorkers\":{\"status\":\"DOWN\"");
            });
        awaitTrue(
            "the reason in the log",
            relay,
            log,
            Duration.ofSeconds(10),
            () -> logContains(log, "has made no progress for"));
      } finally {
        lock.execute("UNLOCK TABLES");
      }
    }
    awaitTrue("liveness UP again", relay, log, Duration.ofSeconds(30), () -> isUp(get(liveness)));
    awaitTrue(
        "the recovery in the log",
        relay,
        log,
        Duration.ofSeconds(10),
        () -> logContains(log, "makes progress again"));
  }

  private Process start(int port, Path log, Map<String, String> extraEnvironment)
      throws IOException {
    return start(port, log, extraEnvironment, List.of("-Xmx256m"));
  }

  private Process start(
      int port, Path log, Map<String, String> extraEnvironment, List<String> jvmOptions)
      throws IOException {
    Path jar = Paths.get(System.getProperty("outbox.relay.jar", "target/outbox-relay.jar"));
    assertThat(jar).as("built by 'package' before the integration tests").exists();
    List<String> options = new ArrayList<>(jvmOptions);
    options.add("-XX:TieredStopAtLevel=1");
    Map<String, String> environment = new java.util.HashMap<>();
    environment.put("OUTBOX_RELAY_POLL_INTERVAL", "50ms");
    environment.put("SERVER_PORT", Integer.toString(port));
    environment.putAll(extraEnvironment);
    Process process =
        RelayJarProcess.start(jar, database, kafka.bootstrapServers(), options, environment, log);
    processes.add(process);
    return process;
  }

  private long insertPending(String topic, String key, String payload) throws SQLException {
    String sql =
        """
        INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status, attempts,
                           next_attempt_at, created_at)
        VALUES (1, ?, ?, ?, ?, 7, 0, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))
        """;
    try (Connection connection = database.dataSource().getConnection();
        PreparedStatement insert =
            connection.prepareStatement(sql, PreparedStatement.RETURN_GENERATED_KEYS)) {
      insert.setString(1, key);
      insert.setString(2, topic);
      insert.setString(3, key);
      insert.setBytes(4, payload.getBytes(StandardCharsets.UTF_8));
      assertThat(insert.executeUpdate()).isEqualTo(1);
      try (ResultSet keys = insert.getGeneratedKeys()) {
        assertThat(keys.next()).isTrue();
        return keys.getLong(1);
      }
    }
  }

  private int status(long id) {
    try (Connection connection = database.dataSource().getConnection();
        PreparedStatement select =
            connection.prepareStatement("SELECT status FROM t_msg WHERE id = ?")) {
      select.setLong(1, id);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? row.getInt(1) : -1;
      }
    } catch (SQLException e) {
      return -1;
    }
  }

  private static KafkaConsumer<String, byte[]> consumer() {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "relay-jar-it-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return new KafkaConsumer<>(config);
  }

  /** A line {@code outbox_lanes_owned{...} 16.0} with a value above zero. */
  private static boolean ownsALane(String line) {
    if (!line.startsWith("outbox_lanes_owned")) {
      return false;
    }
    String value = line.substring(line.lastIndexOf(' ') + 1);
    try {
      return Double.parseDouble(value) > 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The response, or null while nothing answers. */
  private HttpResponse<String> get(String url) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      lastHttp = "GET " + url + " -> " + response.statusCode() + " " + abbreviate(response.body());
      return response;
    } catch (IOException e) {
      lastHttp = "GET " + url + " -> " + e;
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String abbreviate(String body) {
    return body.length() <= 500 ? body : body.substring(0, 500) + "...";
  }

  private static boolean isUp(HttpResponse<String> response) {
    if (response == null || response.statusCode() != 200) {
      return false;
    }
    try {
      return "UP".equals(JSON.readTree(response.body()).path("status").asString());
    } catch (RuntimeException notJson) {
      return false;
    }
  }

  /** Polls until true; fails at once if the process exited, and on timeout, with the log tail. */
  private static void awaitTrue(
      String what, Process process, Path log, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return;
      }
      assertThat(process.isAlive())
          .as("%s: the relay exited with %s; %s", what, exitValue(process), tail(log))
          .isTrue();
      assertThat(System.nanoTime() - deadline < 0)
          .as(
              "%s: not within %s s; last HTTP: %s; %s",
              what, timeout.toSeconds(), lastHttp, tail(log))
          .isTrue();
      Thread.sleep(200);
    }
  }

  private static boolean logContains(Path log, String text) {
    try {
      return Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  private static String exitValue(Process process) {
    return process.isAlive() ? "(running)" : Integer.toString(process.exitValue());
  }

  private static Path logFile(String name) throws IOException {
    Path directory = Paths.get("target", "relay-jar-it");
    Files.createDirectories(directory);
    Path file = directory.resolve(name + ".log");
    Files.deleteIfExists(file);
    return file;
  }

  /** The last 60 lines of the process output, for assertion messages. */
  private static String tail(Path log) {
    try (RandomAccessFile in = new RandomAccessFile(log.toFile(), "r")) {
      long length = in.length();
      int size = (int) Math.min(length, 32 * 1024);
      byte[] bytes = new byte[size];
      in.seek(length - size);
      in.readFully(bytes);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      return "last lines of "
          + log.toAbsolutePath()
          + ":\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no output in " + log + ": " + e + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
