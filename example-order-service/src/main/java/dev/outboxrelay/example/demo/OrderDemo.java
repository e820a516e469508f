package dev.outboxrelay.example.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar example-order-service/target/order-demo.jar}: the outbox doing its job on real
 * servers, with the article's failing approaches beside it. Exit status 0 when the outbox's books
 * balance (nothing lost, no ghost), the article's scenarios behave as it says and both relay
 * replicas ran (replica 1 started again after its kill); 1 when not; 2 for a bad option.
 */
@Command(
    name = "order-demo",
    mixinStandardHelpOptions = true,
    versionProvider = OrderDemo.Version.class,
    description = {
      "Starts a real MariaDB and Kafka broker, two relay replicas, and order + points services; runs the"
          + " article's scenarios, then places orders over HTTP through a Kafka outage and a relay"
          + " crash, and prints the books of the outbox beside approaches 1 and 2."
    })
public final class OrderDemo implements Callable<Integer> {

  // 1,000 orders at 25/s per stack: 75 orders/s in all leave a 2-core machine room for the 3
  // stacks, 2 relays, MariaDB and Kafka, so commit -> credit measures a running system, not
  // queues (at 50/s it measured 1-3 s before the outage). The load still lasts 40 s.
  @Option(
      names = "--orders",
      defaultValue = "1000",
      description = "Orders per stack (default: ${DEFAULT-VALUE}).")
  int orders;

  @Option(
      names = "--clients",
      defaultValue = "8",
      description = "Concurrent HTTP clients per stack (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--rate",
      defaultValue = "25",
      description = "Orders per second per stack (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--outage-seconds",
      defaultValue = "10",
      description =
          "How long Kafka is down, from 30%% of the load on; 0 for none (default: ${DEFAULT-VALUE}).")
  int outageSeconds;

  @Option(
      names = "--no-compare",
      description = "Run the outbox only, without the article's approaches 1 and 2.")
  boolean noCompare;

  @Option(
      names = "--mode",
      defaultValue = "same-database",
      paramLabel = "MODE",
      description =
          "Where the outbox stack writes its messages: same-database (the article's approach 3:"
              + " t_msg in the order's transaction) or message-store (approach 4: t_msg in a"
              + " message database of its own, PREPARED, then confirmed after the order commits or"
              + " cancelled after it rolls back; the relays run on that database and ask the order"
              + " service's check-back endpoint about stragglers) (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the order script (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--keep-running",
      description =
          "Leave everything running afterwards, and print the URLs and curl lines to try.")
  boolean keepRunning;

  private static final String LOG_DIR = "demo.log.dir";

  private final PrintStream out = System.out;

  public static void main(String[] args) {
    CommandLine command = new CommandLine(new OrderDemo());
    // One line for a bad option, not the whole usage.
    command.setParameterExceptionHandler(
        (e, arguments) -> {
          System.err.println("order-demo: " + e.getMessage() + " (see --help)");
          return 2;
        });
    command.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof DemoRun.DemoStoppedException) {
            System.err.println(
                "order-demo: stopped before the end; logs in " + System.getProperty(LOG_DIR));
            return 1;
          }
          System.err.println("order-demo failed: " + e.getMessage());
          System.err.println("Logs: " + System.getProperty(LOG_DIR));
          LoggerFactory.getLogger(OrderDemo.class).error("order-demo failed", e);
          return 1;
        });
    // With --keep-running, execute returns only when the JVM is stopped (Ctrl-C, SIGTERM).
    System.exit(command.execute(args));
  }

  /**
   * A new directory for the logs of this run, set up before any logger exists: the services' logs
   * go to a file there, the console shows the demo.
   */
  private static Path logDirectory() {
    Path logDir;
    try {
      logDir = Files.createTempDirectory("order-demo-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the demo's logs", e);
    }
    System.setProperty(LOG_DIR, logDir.toString());
    System.setProperty("demo.log.file", logDir.resolve("demo.log").toString());
    System.setProperty("logback.configurationFile", "demo-logback.xml");
    System.setProperty("logging.config", "classpath:demo-logback.xml");
    return logDir;
  }

  @Override
  public Integer call() {
    DemoOptions options;
    try {
      options =
          new DemoOptions(
              orders,
              clients,
              rate,
              Duration.ofSeconds(outageSeconds),
              !noCompare,
              DemoOptions.parseMode(mode),
              seed,
              Duration.ofSeconds(120),
              true);
    } catch (IllegalArgumentException e) {
      System.err.println("order-demo: " + e.getMessage() + " (see --help)");
      return 2;
    }
    Path logDir = logDirectory();
    out.println("Logs: " + logDir);
    long start = System.nanoTime();
    DemoRun demo = new DemoRun(options, logDir, out);
    try {
      DemoRun.Result result = demo.play();
      Summary.print(result, out);
      out.printf("%nWall time: %.0f s.%n", (System.nanoTime() - start) / 1e9);
      if (!result.balanced()) {
        out.println(
            "THE OUTBOX'S BOOKS DO NOT BALANCE"
                + (result.scenariosAsTheArticleSays() ? "" : " (article scenarios failed)")
                + (result.settled() ? "" : " (not settled in time)")
                + ": see the logs in "
                + logDir);
        return 1;
      }
      out.println("The outbox's books balance: nothing lost, no ghost.");
      if (result.outbox().otherErrors() > 0) {
        // The books count orders from the database, so an answer lost on the way (a client
        // timeout on a busy machine) cannot unbalance them; it still means the load was not
        // served as the demo describes.
        out.printf(
            "Note: %,d orders got an answer other than 201, 500 or 503 (e.g. a client timeout);"
                + " the books count them from the database. See the logs in %s%n",
            result.outbox().otherErrors(), logDir);
      }
      if (!result.relaysRan()) {
        out.println(
            "BUT A RELAY REPLICA DID NOT RUN AS DESCRIBED (above): this run does not show what the"
                + " demo says; see the logs in "
                + logDir);
        return 1;
      }
      if (keepRunning) {
        out.println();
        demo.printEndpoints();
        // Ctrl-C: the demo's hook stops the relays, the services' and servers' hooks the rest.
        awaitShutdown();
      }
      return 0;
    } finally {
      if (!keepRunning) {
        demo.close();
      }
    }
  }

  private static void awaitShutdown() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The version of the jar's manifest ({@code Implementation-Version}). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = OrderDemo.class.getPackage().getImplementationVersion();
      return new String[] {"order-demo " + (version == null ? "(development build)" : version)};
    }
  }
}
