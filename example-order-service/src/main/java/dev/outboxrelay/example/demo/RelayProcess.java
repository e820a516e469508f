package dev.outboxrelay.example.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The relay application ({@code OutboxRelayApplication}, what {@code outbox-relay.jar} runs) in a
 * JVM of its own, started with this JVM's class path and configured through environment variables
 * as a deployment would (the password never appears on a command line). It listens on a port the
 * kernel chooses and reports it in a file ({@link RelayMain}). It can be killed like a crashed pod:
 * {@link #kill()} is SIGKILL.
 */
final class RelayProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path portFile;
  private final Path log;
  private volatile int port;

  private RelayProcess(Process process, Path portFile, Path log) {
    this.process = process;
    this.portFile = portFile;
    this.log = log;
  }

  /**
   * Starts a relay on the outbox of {@code jdbcUrl}, publishing to {@code bootstrapServers}; its
   * output goes to {@code log}. Returns at once: see {@link #awaitReady()}.
   */
  static RelayProcess start(
      String jdbcUrl,
      String username,
      String password,
      String bootstrapServers,
      Map<String, String> settings,
      Path log) {
    Path portFile = log.resolveSibling(log.getFileName() + ".port");
    try {
      Files.deleteIfExists(portFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the relay's old port file " + portFile, e);
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx256m");
    command.add(
        "-XX:+ExitOnOutOfMemoryError"); // the relay's launch recipe (docs/relay.md, "Memory")
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(RelayMain.class.getName());
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("SPRING_DATASOURCE_URL", jdbcUrl);
    env.put("SPRING_DATASOURCE_USERNAME", username);
    env.put("SPRING_DATASOURCE_PASSWORD", password == null ? "" : password);
    env.put("OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
    // Any free port, bound by the relay itself and reported in the port file: a port picked free
    // here was sometimes taken by one of the demo's services before the relay bound it, and the
    // readiness check then asked that service, which answered.
    env.put("SERVER_PORT", "0");
    env.put(RelayMain.PORT_FILE, portFile.toString());
    // This class path also holds outbox-api (for the order service): no write path in the relay.
    env.put("OUTBOX_ENABLED", "false");
    env.putAll(settings);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      return new RelayProcess(builder.start(), portFile, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the relay: " + command.get(0), e);
    }
  }

  /** The relay's HTTP base URL (health and Prometheus); call after {@link #awaitReady()}. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Why the relay is not running, or null while it runs: its exit status and where its log is. */
  String exited() {
    return process.isAlive() ? null : "exited with status " + process.exitValue() + "; see " + log;
  }

  /**
   * Waits until the relay has reported its port and {@code /actuator/health/readiness} answers 200
   * there (database and Kafka reachable).
   *
   * @throws IllegalStateException if the relay exits or is not ready within 90 s; says where its
   *     log is
   */
  void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest readiness = null;
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the relay exited with status " + process.exitValue() + " at start-up; see " + log);
      }
      if (readiness == null) {
        port = reportedPort();
        readiness =
            port == 0
                ? null
                : HttpRequest.newBuilder(URI.create(url() + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(2))
                    .build();
      }
      try {
        if (readiness != null
            && http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the relay", e);
      }
      sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException(
        "the relay was not ready within " + READY_TIMEOUT.toSeconds() + " s; see " + log);
  }

  /** The port in the relay's port file; 0 while it has written none (or not all of it). */
  private int reportedPort() {
    try {
      String text = Files.readString(portFile).trim();
      return text.isEmpty() ? 0 : Integer.parseInt(text);
    } catch (NoSuchFileException | NumberFormatException notYet) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the relay's port file " + portFile, e);
    }
  }

  /** SIGKILL, as a crashed pod: no lease released, an in-flight batch abandoned mid-way. */
  void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  /**
   * SIGTERM, without waiting: the relay finishes or abandons its batches and releases its leases.
   */
  void terminate() {
    process.destroy();
  }

  /** SIGTERM, then waits for the relay to exit; SIGKILL if it has not after 15 s. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      // Its own shutdown is bounded by outbox.relay.shutdown-timeout and a few seconds more.
      if (!waitFor(Duration.ofSeconds(15))) {
        kill();
      }
    }
  }

  private boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
