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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One KRaft Kafka node, broker and controller in one, in its own JVM, so its libraries stay off the
 * test classpath: the single test broker is one, the test cluster three. Its data dir lives as long
 * as this object: a stop, a kill or a pause keeps its topics and records.
 */
final class KafkaNode {

  private static final Logger log = LoggerFactory.getLogger(KafkaNode.class);
  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration PORT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final int id;
  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final String classpath;
  private final String heap;
  private volatile Process process;
  private volatile boolean paused;

  /** The process while it starts, before it is ready: {@link #shutdown} ends it too. */
  private volatile Process starting;

  /**
   * @param heap the node JVM's {@code -Xmx} option, e.g. {@code -Xmx512m}
   */
  KafkaNode(int id, String classpath, String heap) {
    int[] ports = FreePorts.find(2);
    this.id = id;
    this.dir = TempDirs.create("outbox-relay-kafka-" + id + "-");
    this.port = ports[0];
    this.controllerPort = ports[1];
    this.classpath = classpath;
    this.heap = heap;
  }

  int id() {
    return id;
  }

  String address() {
    return FreePorts.LOOPBACK + ":" + port;
  }

  /** This node as an entry of {@code controller.quorum.voters}: {@code id@host:port}. */
  String voter() {
    return id + "@" + FreePorts.LOOPBACK + ":" + controllerPort;
  }

  Path dir() {
    return dir;
  }

  /**
   * Writes the node's configuration: its own identity and listeners, then {@code settings} (what
   * differs between one node and a cluster: replication factors, timeouts).
   *
   * @param voters the quorum's {@code controller.quorum.voters}, a static voter set: with it,
   *     formatting needs neither {@code --standalone} nor a quorum bootstrap
   */
  void configure(String voters, Map<String, String> settings) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("process.roles", "broker,controller");
    config.put("node.id", Integer.toString(id));
    config.put("controller.quorum.voters", voters);
    config.put(
        "listeners",
        "PLAINTEXT://" + address() + ",CONTROLLER://" + FreePorts.LOOPBACK + ":" + controllerPort);
    config.put("advertised.listeners", "PLAINTEXT://" + address());
    config.put("controller.listener.names", "CONTROLLER");
    config.put("inter.broker.listener.name", "PLAINTEXT");
    config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.put("log.dirs", dir.resolve("data").toString());
    // Fewer internal partitions: the first consumer group or transaction is ready sooner.
    config.put("offsets.topic.num.partitions", "1");
    config.put("transaction.state.log.num.partitions", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
    config.put("num.partitions", "1");
    config.putAll(settings);
    StringBuilder text = new StringBuilder();
    config.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
    write(serverProperties(), text.toString());
    write(log4jConfig(), log4jProperties());
  }

  /**
   * Kafka refuses to start on an unformatted log dir; formatting writes the cluster id, which every
   * node of a cluster shares.
   */
  void format(String clusterId) {
    ServerProcesses.run(
        javaCommand(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            clusterId,
            "-c",
            serverProperties().toString()),
        dir,
        dir.resolve("format.log"),
        FORMAT_TIMEOUT);
  }

  /**
   * Starts the node's process without waiting for it: the nodes of a cluster must all run before
   * any is ready, since a controller needs a quorum. Does nothing while it runs.
   */
  synchronized void launch() {
    if (process != null && !process.isAlive()) {
      process = null; // it died on its own (e.g. ExitOnOutOfMemoryError): start it again
    }
    if (process != null || starting != null) {
      return;
    }
    starting =
        ServerProcesses.start(
            javaCommand("kafka.Kafka", serverProperties().toString()),
            dir,
            dir.resolve("broker.out"));
  }

  /**
   * Waits until the launched node is registered with the cluster, as it answers clients: its port
   * accepts and {@code describeCluster} through it names it. A node that does not get there is
   * stopped, so that it does not hold its ports for the next try.
   */
  void awaitReady(Duration timeout) {
    Process started = starting;
    if (started == null) {
      return; // already ready
    }
    try {
      BoundedWait.until(
          "Kafka node " + id + " on " + address() + " in " + dir,
          timeout,
          started,
          () -> FreePorts.accepts(port) && KafkaAdmin.clusterHasNode(address(), id),
          this::logTails);
    } catch (RuntimeException e) {
      starting = null;
      ServerProcesses.terminate(started, describe(), STOP_TIMEOUT);
      throw e;
    }
    synchronized (this) {
      process = started;
      starting = null;
    }
  }

  /**
   * A clean shutdown (SIGTERM, then SIGKILL after a grace period); returns once its port is closed.
   * Does nothing while stopped.
   */
  synchronized void stop() {
    end(false);
  }

  /** A crash (SIGKILL): no controlled shutdown, no flush; returns once its port is closed. */
  synchronized void kill() {
    end(true);
  }

  private void end(boolean kill) {
    Process running = process;
    if (running == null) {
      return;
    }
    resume(); // a stopped process would not act on SIGTERM
    long startNanos = System.nanoTime();
    process = null;
    if (kill) {
      ServerProcesses.kill(running, describe());
    } else {
      ServerProcesses.terminate(running, describe(), STOP_TIMEOUT);
    }
    BoundedWait.until(
        "Closing port " + port + " of the stopped Kafka node " + id,
        PORT_CLOSE_TIMEOUT,
        null,
        () -> !FreePorts.accepts(port),
        () -> "another process may be listening on it");
    log.info(
        "{} {} in {} ms (exit code {}, data kept in {})",
        describe(),
        kill ? "killed (SIGKILL)" : "stopped",
        (System.nanoTime() - startNanos) / 1_000_000,
        running.exitValue(),
        dir);
  }

  /** SIGSTOP; see {@link KafkaBroker#pause}. Does nothing while paused. */
  synchronized void pause() {
    if (!paused) {
      signal("STOP");
      paused = true;
      log.info("{} paused (SIGSTOP)", describe());
    }
  }

  /** SIGCONT, ending a {@link #pause}. Does nothing unless paused. */
  synchronized void resume() {
    if (paused) {
      signal("CONT");
      paused = false;
      log.info("{} resumed (SIGCONT)", describe());
    }
  }

  boolean isPaused() {
    return paused;
  }

  boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  private void signal(String name) {
    Process running = process;
    if (running == null) {
      throw new IllegalStateException(describe() + " is stopped");
    }
    ServerProcesses.run(
        List.of("kill", "-" + name, Long.toString(running.pid())),
        dir,
        dir.resolve("signals.log"),
        Duration.ofSeconds(10));
  }

  /**
   * Ends the process, even while it starts, and deletes the data; for JVM shutdown hooks, so not
   * synchronized: at JVM exit a thread may still hold the lock inside a start.
   *
   * @param kill SIGKILL instead of a clean shutdown: the data is thrown away anyway, and a cluster
   *     node whose peers are gone could wait out its grace period for a controlled shutdown
   */
  void shutdown(boolean kill) {
    if (paused && !kill) {
      try {
        signal("CONT"); // else SIGTERM would wait for the grace period, then SIGKILL
      } catch (RuntimeException e) {
        log.warn("could not resume the paused {} before stopping it: {}", describe(), e.toString());
      }
    }
    for (Process running : new Process[] {process, starting}) {
      if (running != null && kill) {
        ServerProcesses.kill(running, describe());
      } else if (running != null) {
        ServerProcesses.terminate(running, describe(), STOP_TIMEOUT);
      }
    }
    process = null;
    TempDirs.deleteRecursively(dir);
  }

  private List<String> javaCommand(String mainClass, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(heap);
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
        "appender.file.fileName = " + dir.resolve("server.log"),
        "appender.file.append = true",
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.file.ref = file",
        "");
  }

  private String logTails() {
    return LogTail.of(dir.resolve("server.log"), 30)
        + "\n"
        + LogTail.of(dir.resolve("broker.out"), 10);
  }

  private Path serverProperties() {
    return dir.resolve("server.properties");
  }

  private Path log4jConfig() {
    return dir.resolve("log4j2.properties");
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + file, e);
    }
  }

  private String describe() {
    return "Kafka node " + id + " on " + address();
  }
}
