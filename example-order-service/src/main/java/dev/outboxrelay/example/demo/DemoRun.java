package dev.outboxrelay.example.demo;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.example.orders.Publishing;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestServers;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The demo: real MariaDB and Kafka servers, two relay replicas in JVMs of their own (as a
 * deployment with two replicas runs them), and for each publishing strategy an order service and a
 * points service. {@link #play()} runs the article's scenarios, then the order load with a Kafka
 * outage and a relay crash, and reads the books.
 */
final class DemoRun implements AutoCloseable {
  static final String ORDER_TOPIC = "order-events";
  static final String USER_TOPIC = "user-events";

  /** The relay's settings in the demo: leases and backoff short enough for a short run. */
  private static final Map<String, String> RELAY_SETTINGS =
      Map.of(
          "OUTBOX_RELAY_LEASE_DURATION", "6s",
          "OUTBOX_RELAY_SEND_TIMEOUT", "3s",
          "OUTBOX_RELAY_POLL_INTERVAL", "50ms",
          "OUTBOX_RELAY_BACKOFF_INITIAL", "500ms",
          "OUTBOX_RELAY_BACKOFF_MAX", "5s",
          "OUTBOX_RELAY_SHUTDOWN_TIMEOUT", "5s");

  /**
   * Message-store mode: the relays' check-back asks the order service's endpoint about messages
   * still PREPARED 5 s after they were written, and cancels those whose order's transaction did not
   * record them within 30 s (the demo's transactions take milliseconds).
   */
  private static final Map<String, String> CHECK_BACK_SETTINGS =
      Map.of(
          "OUTBOX_RELAY_CHECK_BACK_SOURCE", "http",
          "OUTBOX_RELAY_CHECK_BACK_AFTER", "5s",
          "OUTBOX_RELAY_CHECK_BACK_TRANSACTION_TIMEOUT", "30s",
          "OUTBOX_RELAY_CHECK_BACK_INTERVAL", "2s");

  private static final Duration RELAY_RESTART_AFTER_OUTAGE = Duration.ofSeconds(2);

  /**
   * The load's first tenth warms the services up (JIT compilation, connection pools, the first
   * fetches): its orders are in the books, their latency in a row of its own.
   */
  private static final int WARM_UP_PART = 10;

  private final DemoOptions options;

  /** This run's topics: {@link #ORDER_TOPIC} and {@link #USER_TOPIC} with the run's suffix. */
  private final String orderTopic;

  private final String userTopic;

  private final PrintStream out;
  private final Path logDir;
  private final DatabaseServer database;
  private final KafkaBroker kafka;
  private final List<ServiceStack> stacks = new ArrayList<>();
  private final ServiceStack outbox;

  /** The relay replicas; the first is the one the demo kills and starts again. */
  private final RelayProcess[] relays = new RelayProcess[2];

  private int relayStarts;
  private volatile boolean stopping;
  private final Thread stopRelaysOnExit = new Thread(this::stopRelays, "order-demo-stop-relays");

  /** The outcome of {@link #play()}. */
  record Result(
      OutboxSettings.Mode mode,
      boolean scenariosAsTheArticleSays,
      boolean settled,
      Duration settleTime,
      boolean kafkaOutage,
      List<String> timeline,
      List<Books> books,
      List<String> relayFailures) {

    Books outbox() {
      return books.get(0);
    }

    /** The outbox lost nothing, credited no ghost, and the scenarios went as the article says. */
    boolean balanced() {
      return scenariosAsTheArticleSays && settled && outbox().balanced();
    }

    /**
     * Both relay replicas ran as the demo says (replica 1 started again after its kill, neither
     * died otherwise): else the outbox's figures are not those of the scenario it describes.
     */
    boolean relaysRan() {
      return relayFailures.isEmpty();
    }
  }

  /** Starts the servers, the services and the relay. */
  DemoRun(DemoOptions options, Path logDir, PrintStream out) {
    this(options, logDir, out, "");
  }

  /**
   * As the demo runs, with {@code topicSuffix} after the topics' names: a test that runs the demo
   * twice in one JVM (one Kafka broker) gives each run topics of its own.
   */
  DemoRun(DemoOptions options, Path logDir, PrintStream out, String topicSuffix) {
    this.options = options;
    this.orderTopic = ORDER_TOPIC + topicSuffix;
    this.userTopic = USER_TOPIC + topicSuffix;
    this.out = out;
    this.logDir = logDir;
    out.println("Starting MariaDB 11.4 and a Kafka broker (KRaft) from Maven artifacts ...");
    database = TestServers.database();
    kafka = TestServers.kafka();
    kafka.createTopic(userTopic, 1);
    // The relays are processes of their own: whatever ends this JVM ends them too.
    Runtime.getRuntime().addShutdownHook(stopRelaysOnExit);
    try {
      String outboxStack = options.messageStore() ? "outbox in message-store mode" : "outbox";
      out.printf(
          "Starting the order and points services (%s) and two relay replicas ...%n",
          options.compare() ? outboxStack + ", approach 1, approach 2" : outboxStack);
      outbox =
          ServiceStack.start(
              Publishing.OUTBOX, options.mode(), database, kafka, orderTopic, userTopic, logDir);
      if (options.messageStore()) {
        out.println(
            "Message-store mode: the order service writes t_msg to its message database "
                + outbox.messageDatabase.name()
                + " (PREPARED, then confirmed or cancelled after the order's transaction); the"
                + " relays run on that database and ask "
                + outbox.checkBackUrl()
                + " about messages left PREPARED.");
      }
      stacks.add(outbox);
      // The relays need the outbox tables, which the order service created at start-up.
      for (int i = 0; i < relays.length; i++) {
        relays[i] = startRelay(i + 1);
      }
      if (options.compare()) {
        stacks.add(
            ServiceStack.start(
                Publishing.IN_TRANSACTION,
                OutboxSettings.Mode.SAME_DATABASE,
                database,
                kafka,
                orderTopic + "-in-transaction",
                userTopic,
                logDir));
        stacks.add(
            ServiceStack.start(
                Publishing.AFTER_COMMIT,
                OutboxSettings.Mode.SAME_DATABASE,
                database,
                kafka,
                orderTopic + "-after-commit",
                userTopic,
                logDir));
      }
      for (RelayProcess relay : relays) {
        relay.awaitReady();
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts relay replica {@code replica}, unless the JVM is stopping (then nothing may start). */
  private synchronized RelayProcess startRelay(int replica) {
    if (stopping) {
      throw new DemoStoppedException();
    }
    relayStarts++;
    Map<String, String> settings = new java.util.HashMap<>(RELAY_SETTINGS);
    settings.put("OUTBOX_RELAY_INSTANCE_ID", "relay-" + replica + "-start-" + relayStarts);
    if (outbox.messageStore()) {
      // On the message database, which holds t_msg and shedlock; stragglers through the endpoint.
      settings.putAll(CHECK_BACK_SETTINGS);
      settings.put("OUTBOX_RELAY_CHECK_BACK_URL", outbox.checkBackUrl());
    }
    return RelayProcess.start(
        outbox.messagesJdbcUrl(),
        database.username(),
        database.password(),
        kafka.bootstrapServers(),
        settings,
        logDir.resolve("relay-" + replica + "-start-" + relayStarts + ".log"));
  }

  /** Kills replica 1 with SIGKILL and starts it again; replica 2 takes over its lanes meanwhile. */
  private synchronized RelayProcess killAndStartRelay() {
    relays[0].kill();
    relays[0] = startRelay(1);
    return relays[0];
  }

  Result play() {
    boolean scenarios = ArticleScenarios.run(outbox, kafka.bootstrapServers(), userTopic, out);

    List<ScriptedOrder> script = ScriptedOrder.script(options.orders(), options.seed());
    out.printf(
        "Part 2: %,d orders per stack from %d clients each at %.0f orders/s; %s, then relay"
            + " replica 1 of 2 killed (SIGKILL) and restarted%n",
        options.orders(),
        options.clients(),
        options.rate(),
        options.outage().isZero()
            ? "no Kafka outage"
            : String.format(
                "Kafka stopped at %.0f s and started again %d s later (real times below)",
                outageStart().toMillis() / 1000.0, options.outage().toSeconds()));
    Map<ServiceStack, OrderLoad.Answers> answers;
    List<String> timeline;
    FaultTimeline.Phases phases;
    FaultTimeline faults;
    try (Progress progress =
        Progress.of(options.progress(), "orders", (long) options.orders() * stacks.size(), out)) {
      faults =
          new FaultTimeline(
              kafka,
              this::killAndStartRelay,
              outageStart(),
              options.outage(),
              RELAY_RESTART_AFTER_OUTAGE,
              progress);
      long start = System.nanoTime();
      faults.start(start, options.loadDuration().dividedBy(WARM_UP_PART));
      answers =
          OrderLoad.run(
              stacks, script, options.clients(), options.rate(), start, () -> stopping, progress);
    }
    stopIfStopping();
    out.println("All orders placed; waiting for the fault timeline to end ...");
    stopIfStopping();
    timeline = faults.await();
    phases = faults.phases();
    String restartFailure = faults.relayRestartFailure();

    out.printf(
        "Settling: until nothing is PENDING%s and every record is consumed (at most %d s) ...%n",
        outbox.messageStore() ? " or PREPARED" : "", options.settleTimeout().toSeconds());
    long settleStart = System.nanoTime();
    boolean settled;
    Duration settleTime;
    List<Books> books = new ArrayList<>();
    try (KafkaTopics topics = new KafkaTopics(kafka.bootstrapServers())) {
      settled = settle(topics);
      settleTime = Duration.ofNanos(System.nanoTime() - settleStart);
      for (ServiceStack stack : stacks) {
        books.add(Books.of(stack, script.size(), answers.get(stack), phases, topics));
      }
    }
    return new Result(
        options.mode(),
        scenarios,
        settled,
        settleTime,
        phases.outage(),
        timeline,
        books,
        relayFailures(restartFailure));
  }

  /**
   * What went wrong with the relay replicas, one line per replica: replica 1 not started again
   * after its kill ({@code restartFailure}, null when it was), a replica not running at the end.
   */
  private synchronized List<String> relayFailures(String restartFailure) {
    List<String> failures = new ArrayList<>();
    if (restartFailure != null) {
      failures.add("relay replica 1 did not start again after its kill: " + restartFailure);
    }
    for (int i = 0; i < relays.length; i++) {
      String exited = relays[i].exited();
      if (exited != null && !(i == 0 && restartFailure != null)) {
        failures.add("relay replica " + (i + 1) + " is not running: it " + exited);
      }
    }
    return failures;
  }

  private void stopIfStopping() {
    if (stopping) {
      throw new DemoStoppedException();
    }
  }

  /** The JVM is stopping (Ctrl-C, SIGTERM): the demo ends without its summary. */
  static final class DemoStoppedException extends RuntimeException {
    DemoStoppedException() {
      super("stopped before the end");
    }
  }

  private Duration outageStart() {
    Duration thirty = options.loadDuration().multipliedBy(3).dividedBy(10);
    return thirty.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : thirty;
  }

  /**
   * Waits until the outbox has nothing PENDING (nor PREPARED, in message-store mode: each message
   * confirmed or cancelled) and each points service consumed every record.
   */
  private boolean settle(KafkaTopics topics) {
    long deadline = System.nanoTime() + options.settleTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      stopIfStopping();
      if (settled(topics)) {
        return true;
      }
      LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
    }
    return settled(topics);
  }

  private boolean settled(KafkaTopics topics) {
    // 0 PENDING, 4 PREPARED (only ever in message-store mode)
    Integer pending =
        outbox.messages.queryForObject(
            "SELECT COUNT(*) FROM t_msg WHERE status IN (0, 4)", Integer.class);
    if (pending != 0) {
      return false;
    }
    for (ServiceStack stack : stacks) {
      var consumed = stack.consumerStats();
      long processed = consumed.credited() + consumed.duplicates() + consumed.rejected();
      if (processed < topics.records(stack.topic)) {
        return false;
      }
    }
    return true;
  }

  /** Where to find each part, for {@code --keep-running}. */
  void printEndpoints() {
    String orders = outbox.orderUrl();
    String points = outbox.pointsUrl();
    out.println("Everything keeps running; Ctrl-C stops it.");
    out.println("  order service   " + orders + "/orders");
    out.println("  points service  " + points + "/points/{userId}");
    for (RelayProcess relay : relays) {
      out.println("  relay           " + relay.url() + "/actuator/prometheus");
    }
    out.println(
        "  MariaDB         "
            + outbox.ordersDatabase.jdbcUrl()
            + " (user "
            + database.username()
            + (database.password() == null || database.password().isEmpty()
                ? ", no password)"
                : ")"));
    if (outbox.messageStore()) {
      out.println("  message store   " + outbox.messageDatabase.jdbcUrl() + " (t_msg)");
      out.println("  check-back      POST " + outbox.checkBackUrl());
    }
    out.println("  Kafka           " + kafka.bootstrapServers() + " (topic " + orderTopic + ")");
    out.println("  logs            " + logDir);
    out.println("Try:");
    out.println(
        "  curl -i -X POST "
            + orders
            + "/orders -H 'Content-Type: application/json' -d '{\"userId\":\"u-7\",\"amount\":12.50}'");
    out.println("  curl -s " + points + "/points/u-7");
    out.println("and GET " + orders + "/orders/{orderId} with the orderId the first one answered.");
  }

  /**
   * SIGTERM to every relay at once, then SIGKILL to any still running after a bounded wait. Run by
   * the shutdown hook too: from then on no relay starts and the load stops.
   */
  private void stopRelays() {
    synchronized (this) {
      stopping = true;
    }
    for (RelayProcess relay : relays) {
      if (relay != null) {
        relay.terminate();
      }
    }
    for (RelayProcess relay : relays) {
      if (relay != null) {
        relay.close();
      }
    }
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(stopRelaysOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    boolean exiting = stopping;
    stopRelays();
    if (!exiting) {
      // On JVM exit the services close in their own hooks and the servers drop their data.
      for (int i = stacks.size() - 1; i >= 0; i--) {
        stacks.get(i).close();
      }
    }
  }
}
