package dev.outboxrelay.relay;

import dev.outboxrelay.EnableOutbox;
import dev.outboxrelay.MessageStoreOutbox;
import dev.outboxrelay.Outbox;
import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The relay tests' fixture, a JUnit extension ({@code @RegisterExtension}): before each test a
 * fresh database with the outbox schema and a fresh topic on the real test servers; relays and
 * writers (the outbox-api write path, optionally with its fast path) on top; after each test every
 * one of them closed, the database dropped, and a server the test stopped started again.
 */
final class RelayFixture implements BeforeEachCallback, AfterEachCallback {
  static final String[] SCHEMA = dev.outboxrelay.internal.OutboxSchema.mysqlScripts();

  private final int partitions;

  /** On {@link TestServers#kafkaCluster()} instead of {@link TestServers#kafka()}. */
  private final boolean onCluster;

  TestDatabase database;
  JdbcTemplate jdbc;
  String topic;
  SimpleMeterRegistry meters;

  /**
   * Message-store mode's business database, which holds {@code t_msg_order} ({@link
   * #businessDatabase()}); {@link #database} is then the message database.
   */
  private TestDatabase business;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  /**
   * @param partitions the partitions of each test's topic
   */
  RelayFixture(int partitions) {
    this(partitions, false);
  }

  private RelayFixture(int partitions, boolean onCluster) {
    this.partitions = partitions;
    this.onCluster = onCluster;
  }

  /**
   * A fixture on the three-node cluster: each test's topic has replication factor 3 and {@code
   * min.insync.replicas=2}, the relays and fast paths publish to the cluster, and every node the
   * test killed, stopped or paused serves again after it.
   */
  static RelayFixture onKafkaCluster(int partitions) {
    return new RelayFixture(partitions, true);
  }

  /** The bootstrap servers of this fixture's Kafka, the broker or the cluster. */
  String bootstrapServers() {
    return onCluster
        ? TestServers.kafkaCluster().bootstrapServers()
        : TestServers.kafka().bootstrapServers();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    database = TestServers.database().createDatabase("relay");
    database.runScript(SCHEMA);
    jdbc = new JdbcTemplate(database.dataSource());
    topic = "relay-" + UUID.randomUUID();
    if (onCluster) {
      TestServers.kafkaCluster().createTopic(topic, partitions);
    } else {
      TestServers.kafka().createTopic(topic, partitions);
    }
    meters = new SimpleMeterRegistry();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (onCluster) {
      TestServers.kafkaCluster().restore();
    } else {
      TestServers.kafka().resume();
      if (!TestServers.kafka().isRunning()) {
        TestServers.kafka().start();
      }
    }
    if (!TestServers.database().isRunning()) {
      TestServers.database().start();
    }
    close();
  }

  /** Settings for a quick relay on the test servers; {@code change} adjusts them. */
  RelaySettings settings(Consumer<RelaySettings.Builder> change) {
    RelaySettings.Builder settings =
        RelaySettings.builder()
            .kafkaBootstrapServers(bootstrapServers())
            .pollInterval(Duration.ofMillis(20))
            .leaseDuration(Duration.ofSeconds(3))
            .sendTimeout(Duration.ofSeconds(2))
            .maxBlock(Duration.ofSeconds(1))
            .shutdownTimeout(Duration.ofSeconds(5))
            .batchSize(200);
    change.accept(settings);
    return settings.build();
  }

  private static final int RELAY_EXTRA_CONNECTIONS = 4;

  /**
   * A started relay with a connection pool of its own, sized as the relay jar sizes it (workers +
   * 4, OutboxRelayApplication.EXTRA_CONNECTIONS): a relay is a process of its own, and one whose
   * lease renewals wait behind the writers' connections for longer than a lease loses its lanes.
   * Closed with the fixture unless the test closes or halts it first.
   */
  OutboxRelay startRelay(Consumer<RelaySettings.Builder> change) {
    RelaySettings settings = settings(change);
    return startRelay(
        database.newPool(
            "relay-" + settings.instanceId(), settings.workers() + RELAY_EXTRA_CONNECTIONS),
        change);
  }

  /** A started relay on {@code dataSource} (e.g. one that injects faults). */
  OutboxRelay startRelay(DataSource dataSource, Consumer<RelaySettings.Builder> change) {
    OutboxRelay relay = new OutboxRelay(dataSource, settings(change), meters);
    closeables.add(relay);
    relay.start();
    return relay;
  }

  /**
   * Message-store mode: the business database beside {@link #database}, which then is the message
   * database; created with the schema on the first call, dropped after the test.
   */
  TestDatabase businessDatabase() {
    if (business == null) {
      business = TestServers.database().createDatabase("relay_business");
      business.runScript(SCHEMA);
    }
    return business;
  }

  /** A started message-store relay whose check-back reads {@link #businessDatabase()}. */
  OutboxRelay startCheckBackRelay(Consumer<RelaySettings.Builder> change) {
    OutboxRelay relay = checkBackRelay(change);
    relay.start();
    return relay;
  }

  /** A message-store relay, not started, whose check-back reads {@link #businessDatabase()}. */
  OutboxRelay checkBackRelay(Consumer<RelaySettings.Builder> change) {
    OutboxRelay relay =
        new OutboxRelay(
            database.dataSource(), settings(change), meters, businessDatabase().dataSource());
    closeables.add(relay);
    return relay;
  }

  /**
   * The write path of outbox-api in message-store mode: {@code t_msg_order} in {@link
   * #businessDatabase()}, {@code t_msg} in {@link #database}.
   */
  Writer messageStoreWriter(boolean fastPath) {
    return writer(
        fastPath(fastPath), OutboxSettings.Mode.MESSAGE_STORE, businessDatabase()::dataSource);
  }

  /**
   * What a committed business transaction leaves in message-store mode when its service dies before
   * confirming: the {@code t_msg_order} row with the message's business message id.
   */
  void recordCommitted(dev.outboxrelay.PreparedMessage message) {
    new JdbcTemplate(businessDatabase().dataSource())
        .update(
            "INSERT INTO t_msg_order (ref_type, ref_id, bus_msg_id, created_at)"
                + " VALUES (?, ?, ?, UTC_TIMESTAMP(3))",
            message.refType(),
            message.refId(),
            message.busMsgId());
  }

  /** Makes a message older by {@code by}, as the database's clock sees it. */
  void age(long messageId, Duration by) {
    jdbc.update(
        "UPDATE t_msg SET created_at = DATE_SUB(created_at, INTERVAL ? SECOND) WHERE id = ?",
        by.toSeconds(),
        messageId);
  }

  /** The write path of outbox-api, with or without its fast path. */
  Writer writer(boolean fastPath) {
    return writer(fastPath(fastPath), OutboxSettings.Mode.SAME_DATABASE, database::dataSource);
  }

  /** The write path of outbox-api with its fast path to {@code kafka}, writing to {@code topic}. */
  Writer fastPathWriter(KafkaBroker kafka, String topic) {
    Writer writer =
        writer(kafka.bootstrapServers(), OutboxSettings.Mode.SAME_DATABASE, database::dataSource);
    return new Writer(writer.outbox(), writer.transaction(), topic);
  }

  private @Nullable String fastPath(boolean on) {
    return on ? bootstrapServers() : null;
  }

  /** The write path of outbox-api with its fast path, {@code change} adjusting its settings. */
  Writer fastPathWriter(Consumer<OutboxSettings.Builder> change) {
    return writer(fastPath(true), OutboxSettings.Mode.SAME_DATABASE, database::dataSource, change);
  }

  /**
   * The write path of another service on this fixture's topic: same-database mode on {@code
   * dataSource}, without a fast path.
   */
  Writer writerOn(DataSource dataSource) {
    return writer(null, OutboxSettings.Mode.SAME_DATABASE, () -> dataSource);
  }

  /**
   * @param fastPath the fast path's bootstrap servers; null for none
   * @param business the business database; in message-store mode {@link #database} is then the
   *     message database
   */
  private Writer writer(
      @Nullable String fastPath,
      OutboxSettings.Mode mode,
      java.util.function.Supplier<DataSource> business) {
    return writer(fastPath, mode, business, settings -> {});
  }

  private Writer writer(
      @Nullable String fastPath,
      OutboxSettings.Mode mode,
      java.util.function.Supplier<DataSource> business,
      Consumer<OutboxSettings.Builder> change) {
    OutboxSettings.Builder settings = OutboxSettings.builder().mode(mode);
    if (fastPath != null) {
      settings.kafkaBootstrapServers(fastPath);
    }
    change.accept(settings);
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, business);
    if (mode == OutboxSettings.Mode.MESSAGE_STORE) {
      context.registerBean(
          dev.outboxrelay.OutboxConfiguration.MESSAGE_DATA_SOURCE,
          DataSource.class,
          database::dataSource,
          definition ->
              ((org.springframework.beans.factory.support.AbstractBeanDefinition) definition)
                  .setDefaultCandidate(false));
    }
    context.registerBean(OutboxSettings.class, settings::build);
    context.register(
        WriterConfiguration.class,
        mode == OutboxSettings.Mode.MESSAGE_STORE
            ? MessageStoreMode.class
            : SameDatabaseMode.class);
    context.refresh();
    closeables.add(context);
    return new Writer(
        context.getBean(Outbox.class),
        new TransactionTemplate(context.getBean(PlatformTransactionManager.class)),
        topic);
  }

  int status(long id) {
    return count("SELECT status FROM t_msg WHERE id = ?", id);
  }

  int count(String sql, Object... args) {
    return jdbc.queryForObject(sql, Integer.class, args);
  }

  /**
   * Waits for {@code latch}, as a test's helper thread does for the test to let it go on.
   *
   * @throws IllegalStateException when it is not released within {@code atMost}, or on interrupt
   */
  static void awaitLatch(java.util.concurrent.CountDownLatch latch, Duration atMost) {
    try {
      if (!latch.await(atMost.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the latch was not released within " + atMost);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void close() {
    List<AutoCloseable> newestFirst = new ArrayList<>(closeables);
    java.util.Collections.reverse(newestFirst);
    for (AutoCloseable closeable : newestFirst) {
      try {
        closeable.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    closeables.clear();
    database.close();
    if (business != null) {
      business.close();
      business = null;
    }
  }

  /** Writes messages as a service would: in a transaction, one reference per message. */
  record Writer(Outbox outbox, TransactionTemplate transaction, String topic) {
    /** The outbox of a message-store mode writer, which also prepares and enlists. */
    MessageStoreOutbox messageStore() {
      return (MessageStoreOutbox) outbox;
    }

    long send(String key, String payload) {
      return transaction.execute(status -> outbox.send(message(key, payload)));
    }

    /** A message of this writer's topic with a new reference. */
    OutboxMessage message(String key, String payload) {
      return OutboxMessage.builder(topic)
          .key(key)
          .payload(payload)
          .reference(1, UUID.randomUUID().toString())
          .build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox
  static class SameDatabaseMode {}

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox(mode = OutboxSettings.Mode.MESSAGE_STORE)
  static class MessageStoreMode {}

  @Configuration(proxyBeanMethods = false)
  static class WriterConfiguration {
    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }
  }
}
