package dev.outboxrelay.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker (broker and controller in one) in its own JVM, so its libraries
 * stay off the test classpath. Its data dir lives as long as this object: stop and start simulate
 * an outage without losing topics or records.
 */
final class EmbeddedKafkaBroker implements KafkaBroker {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration PORT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final String HEAP = "-Xmx512m";

  private final Path brokerDir;
  private final int port;
  private final int controllerPort;
  private final String classpath;
  private final boolean autoCreateTopics;
  private volatile Process process;
  private volatile boolean paused;

  /** The broker process while it starts, before it is ready: the shutdown hook stops it too. */
  private volatile Process starting;

  private EmbeddedKafkaBroker(
      Path brokerDir, int port, int controllerPort, String classpath, boolean autoCreateTopics) {
    this.brokerDir = brokerDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.classpath = classpath;
    this.autoCreateTopics = autoCreateTopics;
  }

  /**
   * @param autoCreateTopics the broker's {@code auto.create.topics.enable}: whether a producer's
   *     metadata request for a missing topic creates it
   */
  static EmbeddedKafkaBroker startNew(boolean autoCreateTopics) {
    int[] ports = FreePorts.find(2);
    EmbeddedKafkaBroker broker =
        new EmbeddedKafkaBroker(
            TempDirs.create("outbox-relay-kafka-"),
            ports[0],
            ports[1],
            BrokerClasspath.load(),
            autoCreateTopics);
    // Registered first: a JVM stopped while the broker starts must not leave the broker running.
    Runtime.getRuntime()
        .addShutdownHook(new Thread(broker::shutdown, "outbox-test-support-kafka-shutdown"));
    try {
      long startNanos = System.nanoTime();
      broker.writeConfig();
      broker.formatStorage();
      broker.runUntilReady();
      log.info(
          "Kafka broker started on {} in {} ms (dir {})",
          broker.bootstrapServers(),
          (System.nanoTime() - startNanos) / 1_000_000,
          broker.brokerDir);
    } catch (RuntimeException e) {
      broker.shutdown();
      throw e;
    }
    return broker;
  }

  @Override
  public String bootstrapServers() {
    return FreePorts.LOOPBACK + ":" + port;
  }

  @Override
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    long startNanos = System.nanoTime();
    runUntilReady();
    log.info(
        "Kafka broker restarted on {} with its data in {} ms",
        bootstrapServers(),
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  private void runUntilReady() {
    List<String> command = javaCommand("kafka.Kafka", serverProperties().toString());
    Process started = ServerProcesses.start(command, brokerDir, brokerDir.resolve("broker.out"));
    starting = started;
    try {
      BoundedWait.until(
          "Kafka broker on " + bootstrapServers() + " in " + brokerDir,
          START_TIMEOUT,
          started,
          () -> FreePorts.accepts(port) && KafkaAdmin.clusterAnswers(bootstrapServers()),
          this::logTails);
    } catch (RuntimeException e) {
      // A broker that never became ready must not linger and hold the port for the next try.
      ServerProcesses.terminate(started, "Kafka broker on " + bootstrapServers(), STOP_TIMEOUT);
      throw e;
    } finally {
      starting = null;
    }
    process = started;
  }

  @Override
  public synchronized void stop() {
    Process running = process;
    if (running == null) {
      return;
    }
    resume(); // a stopped process would not act on SIGTERM
    long startNanos = System.nanoTime();
    process = null;
    ServerProcesses.terminate(running, "Kafka broker on " + bootstrapServers(), STOP_TIMEOUT);
    BoundedWait.until(
        "Closing port " + port + " of the stopped Kafka broker",
        PORT_CLOSE_TIMEOUT,
        null,
        () -> !FreePorts.accepts(port),
        () -> "another process may be listening on it");
    log.info(
        "Kafka broker on {} stopped in {} ms (exit code {}, data kept in {})",
        bootstrapServers(),
        (System.nanoTime() - startNanos) / 1_000_000,
        running.exitValue(),
        brokerDir);
  }

  @Override
  public synchronized void pause() {
    if (!paused) {
      signal("STOP");
      paused = true;
      log.info("Kafka broker on {} paused (SIGSTOP)", bootstrapServers());
    }
  }

  @Override
  public synchronized void resume() {
    if (paused) {
      signal("CONT");
      paused = false;
      log.info("Kafka broker on {} resumed (SIGCONT)", bootstrapServers());
    }
  }

  private void signal(String name) {
    Process running = process;
    if (running == null) {
      throw new IllegalStateException("the Kafka broker on " + bootstrapServers() + " is stopped");
    }
    ServerProcesses.run(
        List.of("kill", "-" + name, Long.toString(running.pid())),
        brokerDir,
        brokerDir.resolve("signals.log"),
        Duration.ofSeconds(10));
  }

  @Override
  public boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  @Override
  public void createTopic(String name, int partitions) {
    KafkaAdmin.createTopic(bootstrapServers(), name, partitions);
  }

  /** Stops the broker and deletes its data; the JVM's shutdown hook. */
  private void shutdown() {
    // Not synchronized: at JVM exit a thread may still hold the lock inside start().
    if (paused) {
      try {
        signal("CONT"); // else SIGTERM would wait for the grace period, then SIGKILL
      } catch (RuntimeException e) {
        log.warn("could not resume the paused Kafka broker before stopping it: {}", e.toString());
      }
    }
    for (Process running : new Process[] {process, starting}) {
      if (running != null) {
        ServerProcesses.terminate(running, "Kafka broker on " + bootstrapServers(), STOP_TIMEOUT);
      }
    }
    process = null;
    TempDirs.deleteRecursively(brokerDir);
  }

  private void writeConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("process.roles", "broker,controller");
    config.put("node.id", "1");
    // A static voter set: with it, 'format' needs neither --standalone nor a quorum bootstrap.
    config.put("controller.quorum.voters", "1@" + FreePorts.LOOPBACK + ":" + controllerPort);
    config.put(
        "listeners",
        "PLAINTEXT://"
            + FreePorts.LOOPBACK
            + ":"
            + port
            + ",CONTROLLER://"
            + FreePorts.LOOPBACK
            + ":"
            + controllerPort);
    config.put("advertised.listeners", "PLAINTEXT://" + FreePorts.LOOPBACK + ":" + port);
    config.put("controller.listener.names", "CONTROLLER");
    config.put("inter.broker.listener.name", "PLAINTEXT");
    config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.put("log.dirs", brokerDir.resolve("data").toString());
    // One node: every internal topic must make do with one replica.
    config.put("offsets.topic.replication.factor", "1");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("share.coordinator.state.topic.replication.factor", "1");
    config.put("share.coordinator.state.topic.min.isr", "1");
    // Fewer internal partitions: the first consumer group or transaction is ready sooner.
    config.put("offsets.topic.num.partitions", "1");
    config.put("transaction.state.log.num.partitions", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
    config.put("num.partitions", "1");
    // Off for the shared broker, as many production brokers run: a topic exists only once created,
    // so a missing topic is a real failure the relay must survive (tests create theirs). On for
    // the broker that tests Kafka's own default against.
    config.put("auto.create.topics.enable", String.valueOf(autoCreateTopics));
    StringBuilder text = new StringBuilder();
    config.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
    write(serverProperties(), text.toString());
    write(log4jConfig(), log4jProperties());
  }

  /** Kafka refuses to start on an unformatted log dir; formatting writes the cluster id. */
  private void formatStorage() {
    String clusterId = Uuid.randomUuid().toString();
    ServerProcesses.run(
        javaCommand(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            clusterId,
            "-c",
            serverProperties().toString()),
        brokerDir,
        brokerDir.resolve("format.log"),
        FORMAT_TIMEOUT);
  }

  private List<String> javaCommand(String mainClass, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(HEAP);
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-Djava.awt.headless=true");
    command.add("-Dlog4j2.configurationFile=" + log4jConfig().toUri());
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(List.of(arguments));
    return command;
  }

  private String log4jProperties() {
    return String.join(
        "\n",
        "status = warn",
        "appender.file.type = File",
        "appender.file.name = file",
        "appender.file.fileName = " + brokerDir.resolve("server.log"),
        "appender.file.append = true",
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.file.ref = file",
        "");
  }

  private String logTails() {
    return LogTail.of(brokerDir.resolve("server.log"), 30)
        + "\n"
        + LogTail.of(brokerDir.resolve("broker.out"), 10);
  }

  private Path serverProperties() {
    return brokerDir.resolve("server.properties");
  }

  private Path log4jConfig() {
    return brokerDir.resolve("log4j2.properties");
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + file, e);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaBroker["
        + bootstrapServers()
        + ", "
        + brokerDir
        + (autoCreateTopics ? ", auto.create.topics.enable=true" : "")
        + "]";
  }
}
