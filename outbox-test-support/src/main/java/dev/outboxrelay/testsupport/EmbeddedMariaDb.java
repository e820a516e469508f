package dev.outboxrelay.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MariaDB server process with a fresh data dir in a temp dir, root with an empty password,
 * listening on 127.0.0.1 only.
 */
final class EmbeddedMariaDb extends AbstractDatabaseServer {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);
  private static final String USERNAME = "root";
  private static final String PASSWORD = "";
  private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  // Unix domain socket paths longer than this do not fit into sockaddr_un.
  private static final int MAX_SOCKET_PATH = 107;

  private final Path baseDir;
  private final Path serverDir;
  private final int port;
  private volatile Process process;

  private EmbeddedMariaDb(Path baseDir, Path serverDir, int port) {
    this.baseDir = baseDir;
    this.serverDir = serverDir;
    this.port = port;
  }

  static EmbeddedMariaDb startNew() {
    Path baseDir = MariaDbDistribution.baseDir();
    EmbeddedMariaDb server =
        new EmbeddedMariaDb(baseDir, TempDirs.create("outbox-relay-mariadb-"), FreePorts.find());
    // Registered first: a JVM stopped while the server starts must not leave it running.
    Runtime.getRuntime()
        .addShutdownHook(new Thread(server::shutdown, "outbox-test-support-mariadb-shutdown"));
    try {
      server.installAndRun();
    } catch (RuntimeException e) {
      server.shutdown();
      throw e;
    }
    return server;
  }

  private void installAndRun() {
    long startNanos = System.nanoTime();
    Path dataDir = TempDirs.createDirectories(serverDir.resolve("data"));
    Path config = writeConfig(dataDir);
    ServerProcesses.run(
        List.of(
            baseDir.resolve("scripts/mariadb-install-db").toString(),
            "--defaults-file=" + config,
            "--basedir=" + baseDir,
            "--datadir=" + dataDir,
            "--auth-root-authentication-method=normal",
            "--skip-test-db"),
        serverDir,
        serverDir.resolve("install-db.log"),
        INSTALL_TIMEOUT);
    run(config);
    log.info(
        "MariaDB {} started on {}:{} in {} ms (dir {})",
        MariaDbDistribution.VERSION,
        host(),
        port,
        (System.nanoTime() - startNanos) / 1_000_000,
        serverDir);
  }

  /** Starts mariadbd on the existing data dir and waits until root can log in. */
  private void run(Path config) {
    process =
        ServerProcesses.start(
            List.of(baseDir.resolve("bin/mariadbd").toString(), "--defaults-file=" + config),
            serverDir,
            serverOutput());
    BoundedWait.until(
        "MariaDB "
            + MariaDbDistribution.VERSION
            + " on "
            + host()
            + ":"
            + port
            + " in "
            + serverDir,
        START_TIMEOUT,
        process,
        this::acceptsRootLogin,
        () -> LogTail.of(errorLog(), 30) + "\n" + LogTail.of(serverOutput(), 10));
  }

  private static List<String> extraConfig() {
    String extra = System.getProperty(TestServers.MARIADB_EXTRA_CONFIG, "");
    return java.util.Arrays.stream(extra.split(";"))
        .map(String::strip)
        .filter(line -> !line.isEmpty())
        .toList();
  }

  private Path writeConfig(Path dataDir) {
    Path socket = serverDir.resolve("mariadbd.sock");
    if (socket.toString().length() > MAX_SOCKET_PATH) {
      throw new IllegalStateException(
          "Socket path too long for Unix (" + socket + "); use a shorter -Djava.io.tmpdir");
    }
    Path tmpDir = TempDirs.createDirectories(serverDir.resolve("tmp"));
    String config =
        String.join(
            "\n",
            "[mysqld]",
            // mariadbd refuses to run as root unless told to; tests on CI often run as root.
            "user=root",
            "basedir=" + baseDir,
            "datadir=" + dataDir,
            "bind-address=" + FreePorts.LOOPBACK,
            "port=" + port,
            "socket=" + socket,
            "tmpdir=" + tmpDir,
            "pid-file=" + serverDir.resolve("mariadbd.pid"),
            "log-error=" + errorLog(),
            "innodb_buffer_pool_size=256M",
            // The data dir is thrown away at stop: no buffer pool dump to write or load.
            "innodb_buffer_pool_dump_at_shutdown=OFF",
            "innodb_buffer_pool_load_at_startup=OFF",
            "max_connections=500",
            "character-set-server=utf8mb4",
            "collation-server=utf8mb4_unicode_ci",
            "skip-name-resolve",
            // Without it 11.4 generates a TLS certificate at every start: 4-6 s of CPU on 2 cores,
            // for TLS the tests turn off anyway (sslMode=DISABLED).
            "skip-ssl",
            String.join("\n", extraConfig()),
            "");
    Path file = serverDir.resolve("my.cnf");
    try {
      Files.writeString(file, config, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + file, e);
    }
    return file;
  }

  private boolean acceptsRootLogin() throws Exception {
    try (Connection connection =
        DriverManager.getConnection(jdbcUrl("") + "&connectTimeout=2000", USERNAME, PASSWORD)) {
      return connection.isValid(2);
    }
  }

  private Path errorLog() {
    return serverDir.resolve("error.log");
  }

  /** stdout and stderr: empty unless mariadbd fails before it opens its error log. */
  private Path serverOutput() {
    return serverDir.resolve("mariadbd.out");
  }

  @Override
  public synchronized void stop() {
    terminate();
  }

  @Override
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    long startNanos = System.nanoTime();
    run(serverDir.resolve("my.cnf"));
    log.info(
        "MariaDB on {}:{} started again in {} ms",
        host(),
        port,
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  @Override
  public boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  /** Stops the server and deletes its data; also runs as the JVM's shutdown hook. */
  synchronized void shutdown() {
    terminate();
    TempDirs.deleteRecursively(serverDir);
  }

  private void terminate() {
    Process running = process;
    if (running != null) {
      process = null;
      boolean wasRunning = running.isAlive();
      ServerProcesses.terminate(running, "MariaDB on port " + port, STOP_TIMEOUT);
      if (wasRunning) {
        log.info("MariaDB on {}:{} stopped", host(), port);
      }
    }
  }

  @Override
  public String host() {
    return FreePorts.LOOPBACK;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String username() {
    return USERNAME;
  }

  @Override
  public String password() {
    return PASSWORD;
  }

  @Override
  public String toString() {
    return "EmbeddedMariaDb[" + host() + ":" + port + ", " + serverDir + "]";
  }
}
