package dev.outboxrelay.relay;

import dev.outboxrelay.internal.DatabaseChecks;
import dev.outboxrelay.internal.MessageStoreDecisions;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.internal.OutboxMaintenance;
import dev.outboxrelay.internal.ProducerSettings;
import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.internal.RelayMembers;
import dev.outboxrelay.internal.RoundClaims;
import dev.outboxrelay.internal.RoundOutcomes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import net.javacrumbs.shedlock.provider.sql.DatabaseProduct;
import org.apache.kafka.clients.producer.Producer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The relay: worker threads that publish the outbox lane by lane, a lease keeper, and housekeeping.
 * {@link #start()} starts it; {@link #close()} stops claiming, lets the in-flight batches finish
 * within the shutdown timeout (or abandons them: their rows stay PENDING), releases the leases and
 * closes the producer.
 */
public final class OutboxRelay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  private static final Duration RELEASE_FLOOR = Duration.ofSeconds(1);

  private final RelaySettings settings;
  private final LaneLeases leases;
  private final LaneRound round;
  private final PublishListener listener;
  private final ConnectionRenewal connections;
  private final Housekeeping housekeeping;
  private final ClockStep clock;
  private final Producer<byte[], byte[]> producer;
  private final KafkaProbe kafka;
  private final StallWatch stalls;
  private final @Nullable CheckBack checkBack;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Wakeup wakeup = new Wakeup();
  private final List<Thread> workers = new ArrayList<>();
  private final ScheduledExecutorService leaseThread;
  private final LeaseKeeper leaseKeeper;
  private final ScheduledExecutorService chores;
  private final ScheduledExecutorService checks;
  private final ScheduledExecutorService checkBacks;
  private volatile boolean started;

  /**
   * A relay on the outbox tables behind {@code dataSource}; nothing runs until {@link #start()}.
   *
   * @param dataSource the business database that holds {@code t_msg} and {@code shedlock}; the
   *     relay takes one connection per worker plus a few (lease keeper, housekeeping)
   * @param meterRegistry where the meters go ({@code path="relay"}); null for none
   * @throws IllegalStateException if the database is neither MySQL 8.0+ nor MariaDB 10.6+, or is a
   *     node of a multi-primary cluster (Galera, multi-primary Group Replication)
   * @throws dev.outboxrelay.config.InvalidSettingException if Kafka's producer refuses the Kafka
   *     settings
   */
  public OutboxRelay(
      DataSource dataSource, RelaySettings settings, @Nullable MeterRegistry meterRegistry) {
    this(dataSource, settings, meterRegistry, null);
  }

  /**
   * A relay for message-store mode on the message database behind {@code dataSource}, with the
   * check-back of {@code settings.checkBack()}.
   *
   * @param dataSource the message database that holds {@code t_msg} and {@code shedlock}
   * @param checkBackDataSource the business database, which holds {@code t_msg_order}, read-only;
   *     required with {@code check-back.source=database}, else unused (may be null)
   * @throws dev.outboxrelay.config.InvalidSettingException with {@code check-back.source=database}
   *     and no {@code checkBackDataSource}, or as the other constructor
   */
  public OutboxRelay(
      DataSource dataSource,
      RelaySettings settings,
      @Nullable MeterRegistry meterRegistry,
      @Nullable DataSource checkBackDataSource) {
    this.settings = settings;
    CheckBackSource checkBackSource = CheckBackSource.of(settings.checkBack(), checkBackDataSource);
    DatabaseChecks checks = DatabaseChecks.ofOutboxTables(dataSource);
    warnWithoutNetworkTimeout(dataSource);
    this.connections = new ConnectionRenewal(dataSource);
    RelayMembers members = new RelayMembers(dataSource);
    LockProvider locks = leaseLocks(dataSource, settings.instanceId());
    MeterRegistry meters = meterRegistry == null ? new SimpleMeterRegistry() : meterRegistry;
    this.clock = new ClockStep(dataSource, settings, meters);
    this.leases = new LaneLeases(locks, members, clock, checks, settings);
    Map<String, Object> producerConfig = RelayProducer.config(settings);
    this.producer = ProducerSettings.createProducer("outbox.relay.kafka", producerConfig);
    this.kafka = new KafkaProbe(settings, Duration.ofSeconds(2), meters, wakeup::wakeAll);
    TransactionTemplate transaction =
        new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    // READ COMMITTED: no gap locks, so business INSERTs never wait for the relay's commit.
    transaction.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
    this.listener = new MicrometerPublishListener(meters).withDeadCounter();
    TopicBackoff topics = new TopicBackoff(settings.backoff());
    this.round =
        new LaneRound(
            new RoundClaims(dataSource),
            new RoundOutcomes(dataSource),
            transaction,
            producer,
            listener,
            topics,
            kafka::unusableTopics,
            ProducerSettings.inFlightHold(producerConfig),
            settings);
    this.housekeeping =
        new Housekeeping(new OutboxMaintenance(dataSource), members, transaction, locks, settings);
    this.checkBack =
        checkBackSource == null
            ? null
            : new CheckBack(
                new MessageStoreDecisions(dataSource),
                checkBackSource,
                transaction,
                locks,
                settings,
                meters);
    this.stalls = new StallWatch(settings.stallTimeout());
    RelayMetrics.gauges(
        meters,
        () -> housekeeping.stats().pending(),
        () -> housekeeping.stats().oldestAgeSeconds(),
        () -> housekeeping.stats().unserved(),
        () -> leases.owned().size(),
        topics::failing,
        () -> stalls.stalled().size(),
        () -> housekeeping.prepared().prepared(),
        () -> housekeeping.prepared().oldestAgeSeconds());
    ScheduledThreadPoolExecutor leaseThread =
        new ScheduledThreadPoolExecutor(1, daemon("outbox-relay-leases"));
    // the keeper schedules its next renewal itself: on shutdown that one is dropped, not waited for
    leaseThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.leaseThread = leaseThread;
    this.leaseKeeper = new LeaseKeeper(leases, connections, wakeup::wakeAll, leaseThread, settings);
    this.chores = Executors.newSingleThreadScheduledExecutor(daemon("outbox-relay-housekeeping"));
    this.checks = Executors.newSingleThreadScheduledExecutor(daemon("outbox-relay-checks"));
    this.checkBacks = Executors.newSingleThreadScheduledExecutor(daemon("outbox-relay-check-back"));
  }

  /**
   * The leases of lanes, members and chores: ShedLock on the {@code shedlock} table, with the
   * database's clock, each lease marked with the instance that holds it.
   */
  static LockProvider leaseLocks(DataSource dataSource, String instanceId) {
    return new JdbcTemplateLockProvider(
        JdbcTemplateLockProvider.Configuration.builder()
            .withJdbcTemplate(new JdbcTemplate(dataSource))
            // Named, not detected: detection on a database unreachable at that moment fails with
            // "not supported for database product: UNKNOWN", hiding the real error. MySQL and
            // MariaDB share ShedLock's statements.
            .withDatabaseProduct(DatabaseProduct.MY_SQL)
            .usingDbTime()
            .withLockedByValue(instanceId)
            .build());
  }

  /**
   * Starts the workers, the lease keeper and housekeeping.
   *
   * @throws dev.outboxrelay.config.InvalidSettingException if PENDING rows exist in lanes this
   *     relay does not serve (its {@code outbox.relay.lanes} is smaller than the writers' {@code
   *     outbox.lanes}); nothing starts
   */
  public synchronized void start() {
    if (started) {
      return;
    }
    housekeeping.checkLanes();
    started = true;
    leaseKeeper.start();
    every(checks, "the Kafka check", kafka::refreshIfDue, 0, KafkaProbe.CHECK_WHILE_UNREACHABLE);
    every(checks, "the stall check", stalls::check, 1000, Duration.ofSeconds(1));
    every(chores, "the gauges", housekeeping::refreshGauges, 0, settings.gaugeInterval());
    every(chores, "the clock-step sweep", clock::sweepMessages, 0, settings.gaugeInterval());
    every(
        chores,
        "the purge",
        housekeeping::purge,
        settings.purge().interval().toMillis(),
        settings.purge().interval());
    if (checkBack != null) {
      // a thread of its own: an endpoint slow to answer must not freeze the gauges or the purge
      every(
          checkBacks,
          "the check-back",
          checkBack::run,
          settings.checkBack().interval().toMillis(),
          settings.checkBack().interval());
    }
    for (int i = 0; i < settings.workers(); i++) {
      LaneWorker work =
          new LaneWorker(
              i,
              leases,
              round,
              kafka,
              settings,
              listener,
              connections,
              stopped,
              wakeup,
              leaseKeeper::checkNow);
      Thread worker = new Thread(work, "outbox-relay-worker-" + i);
      worker.setDaemon(true);
      stalls.watch(work, worker);
      workers.add(worker);
      worker.start();
    }
    log.info("outbox relay started: {}", settings);
  }

  /** The lanes this instance works, ascending: none while its database writes fail. */
  public List<Integer> ownedLanes() {
    return leases.owned();
  }

  /**
   * Why the relay's last write to its database failed, in one line: the database refuses writes
   * (read-only, e.g. the former primary after a failover; the server's message names the option) or
   * cannot be reached. Null while its writes succeed. The relay writes at least every third of
   * {@code lease-duration} (lease renewal), so a database that turns read-only shows here within
   * that, at once when a round fails on it; once it accepts writes again, within a poll interval
   * (at least 100 ms). The relay application's readiness fails while it is not null.
   */
  public @Nullable String databaseFailure() {
    return leaseKeeper.failure();
  }

  /** Whether a Kafka broker answered the last check, at most a few seconds ago (readiness). */
  public boolean kafkaReachable() {
    return kafka.reachable();
  }

  /**
   * Why workers make no progress, one sentence each (a worker in one round for longer than {@code
   * outbox.relay.stall-timeout}, or stopped by an Error); empty while all do. The relay
   * application's liveness fails while it is not empty.
   */
  public List<String> stalledWorkers() {
    return stalls.stalled();
  }

  /**
   * Warns once when the pool's connections have no network (socket) timeout: a database that stops
   * answering would then hold a worker in a socket read until the stall watch fails liveness.
   */
  private static void warnWithoutNetworkTimeout(DataSource dataSource) {
    try (java.sql.Connection connection = dataSource.getConnection()) {
      if (connection.getNetworkTimeout() == 0) {
        log.warn(
            "the database connections have no socket timeout: a database that stops answering"
                + " blocks a worker until outbox.relay.stall-timeout fails liveness; set the JDBC"
                + " driver's socketTimeout (e.g."
                + " spring.datasource.hikari.data-source-properties.socketTimeout=60000)");
      }
    } catch (java.sql.SQLException | UnsupportedOperationException e) {
      log.debug("cannot read the connections' network timeout", e);
    }
  }

  LaneRound round() {
    return round;
  }

  Housekeeping housekeeping() {
    return housekeeping;
  }

  @Nullable CheckBack checkBack() {
    return checkBack;
  }

  /** Stops every thread at once and releases nothing, as a crashed process would (for tests). */
  void halt() {
    stopped.countDown();
    wakeup.stop();
    leaseThread.shutdownNow();
    chores.shutdownNow();
    checks.shutdownNow();
    checkBacks.shutdownNow();
    workers.forEach(Thread::interrupt);
    leases.abandon();
    producer.close(Duration.ZERO);
    kafka.close();
  }

  @Override
  public synchronized void close() {
    if (stopped.getCount() == 0) {
      return;
    }
    long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
    stopped.countDown();
    wakeup.stop();
    leaseThread.shutdown();
    chores.shutdown();
    checks.shutdown();
    checkBacks.shutdown();
    boolean abandoned = false;
    for (Thread worker : workers) {
      try {
        worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (worker.isAlive()) {
        worker.interrupt(); // its transaction rolls back: the rows stay PENDING
        abandoned = true;
      }
    }
    try {
      leaseThread.awaitTermination(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    releaseLeases(deadline);
    producer.close(Duration.ofSeconds(5));
    try {
      round.recordLateAcks(); // what the producer delivered while closing
    } catch (RuntimeException e) {
      log.warn("late acknowledgements not recorded (they are published again): {}", e.toString());
    }
    kafka.close();
    log.info(
        "outbox relay stopped{}",
        abandoned ? " (in-flight batch abandoned after the shutdown timeout)" : "");
  }

  /**
   * Releases the lane leases within what is left of the shutdown timeout, and at least {@link
   * #RELEASE_FLOOR}: with the database gone each release would wait out the pool's connection
   * timeout. Leases not released expire after the lease duration, as a crashed instance's do.
   */
  private void releaseLeases(long deadline) {
    long budget = Math.max(RELEASE_FLOOR.toMillis(), remainingMillis(deadline));
    Thread releaser = daemon("outbox-relay-release").newThread(leases::releaseAll);
    releaser.start();
    try {
      releaser.join(budget);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (releaser.isAlive()) {
      releaser.interrupt();
      log.warn(
          "lane leases not released within {} ms (database unreachable?): they expire after {}",
          budget,
          settings.leaseDuration());
    }
  }

  private static long remainingMillis(long deadline) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Runs {@code task} every {@code period} after {@code initialDelayMillis}. An exception the task
   * lets through is logged and the task runs again next period: the executor would otherwise cancel
   * the schedule for good, without a word (the future that would hold the exception is never read).
   */
  @SuppressWarnings("FutureReturnValueIgnored") // the wrapper never completes it exceptionally
  static void every(
      ScheduledExecutorService executor,
      String name,
      Runnable task,
      long initialDelayMillis,
      Duration period) {
    executor.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.warn("{} failed, runs again in {} ms: {}", name, period.toMillis(), e.toString());
          }
        },
        initialDelayMillis,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }
}
