package dev.outboxrelay.example.demo;

import dev.outboxrelay.OutboxSchemaScripts;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.example.orders.OrderServiceApplication;
import dev.outboxrelay.example.orders.Publishing;
import dev.outboxrelay.example.points.OrderEventsConsumer;
import dev.outboxrelay.example.points.PointsServiceApplication;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * One order service and its points service, each a Spring Boot application with a database of its
 * own on the demo's MariaDB, joined by one topic: the outbox stack, or one of the article's
 * approaches 1 and 2 for comparison. In message-store mode the outbox stack's order service writes
 * {@code t_msg} to a third database, its message database, and serves the check-back endpoint.
 */
final class ServiceStack implements AutoCloseable {
  /** The path of the order service's check-back endpoint (message-store mode). */
  static final String CHECK_BACK_PATH = "/outbox/check-back";

  final Publishing publishing;
  final OutboxSettings.Mode mode;
  final String topic;
  final TestDatabase ordersDatabase;
  final TestDatabase pointsDatabase;

  /** The message database (message-store mode); null in same-database mode. */
  final TestDatabase messageDatabase;

  final ConfigurableApplicationContext orderService;
  final ConfigurableApplicationContext pointsService;
  final JdbcTemplate orders;
  final JdbcTemplate points;

  /** The database that holds {@code t_msg}: the message database, else the orders database. */
  final JdbcTemplate messages;

  private ServiceStack(
      Publishing publishing,
      OutboxSettings.Mode mode,
      String topic,
      TestDatabase ordersDatabase,
      TestDatabase pointsDatabase,
      TestDatabase messageDatabase,
      ConfigurableApplicationContext orderService,
      ConfigurableApplicationContext pointsService) {
    this.publishing = publishing;
    this.mode = mode;
    this.topic = topic;
    this.ordersDatabase = ordersDatabase;
    this.pointsDatabase = pointsDatabase;
    this.messageDatabase = messageDatabase;
    this.orderService = orderService;
    this.pointsService = pointsService;
    this.orders = new JdbcTemplate(ordersDatabase.dataSource());
    this.points = new JdbcTemplate(pointsDatabase.dataSource());
    this.messages =
        messageDatabase == null ? orders : new JdbcTemplate(messageDatabase.dataSource());
  }

  /**
   * Creates the databases and the topic and starts both services on free ports. The outbox stack's
   * order service publishes through the fast path; the relay is started separately. With {@code
   * mode} message-store (outbox stack only) the order service runs in message-store mode on a
   * message database of its own, created here with the outbox scripts, and serves the check-back
   * endpoint at {@value #CHECK_BACK_PATH}.
   *
   * @param userTopic the topic of the article's registration scenarios ({@code
   *     outbox.default-topic})
   */
  static ServiceStack start(
      Publishing publishing,
      OutboxSettings.Mode mode,
      DatabaseServer database,
      KafkaBroker kafka,
      String topic,
      String userTopic,
      Path workDir) {
    List<AutoCloseable> started = new ArrayList<>();
    try {
      String name = publishing.name().toLowerCase().replace('_', '-');
      String databaseSuffix = publishing.name().toLowerCase();
      kafka.createTopic(topic, 4);
      TestDatabase ordersDatabase = database.createDatabase("orders_" + databaseSuffix);
      started.add(ordersDatabase);
      TestDatabase pointsDatabase = database.createDatabase("points_" + databaseSuffix);
      started.add(pointsDatabase);
      boolean messageStore =
          publishing == Publishing.OUTBOX && mode == OutboxSettings.Mode.MESSAGE_STORE;
      TestDatabase messageDatabase = null;
      if (messageStore) {
        messageDatabase = database.createDatabase("messages_" + databaseSuffix);
        started.add(messageDatabase);
        // The order service creates only its own schema: the message database's outbox tables
        // are a migration, as in production (sql/mysql/V1..V4).
        messageDatabase.runScript(OutboxSchemaScripts.mysqlScripts().toArray(String[]::new));
      }

      Map<String, Object> orderProperties = datasource(database, ordersDatabase, "orders-" + name);
      orderProperties.put("server.port", 0);
      orderProperties.put("server.tomcat.basedir", workDir.resolve("tomcat-orders-" + name));
      orderProperties.put("orders.topic", topic);
      // the article's registration scenarios (MsgSender's topic)
      orderProperties.put("outbox.default-topic", userTopic);
      orderProperties.put("orders.publishing", publishing.name());
      if (publishing == Publishing.OUTBOX) {
        orderProperties.put("outbox.kafka.bootstrap-servers", kafka.bootstrapServers());
        if (messageStore) {
          orderProperties.put("outbox.mode", "message-store");
          orderProperties.put("outbox.message-store.datasource.url", messageDatabase.jdbcUrl());
          orderProperties.put("outbox.message-store.datasource.username", database.username());
          orderProperties.put("outbox.message-store.datasource.password", database.password());
          orderProperties.put("outbox.message-store.datasource.maximum-pool-size", 12);
          orderProperties.put("outbox.check-back-endpoint.enabled", true);
          orderProperties.put("outbox.check-back-endpoint.path", CHECK_BACK_PATH);
        }
      } else {
        orderProperties.put("orders.direct-kafka-bootstrap-servers", kafka.bootstrapServers());
      }
      ConfigurableApplicationContext orderService =
          run(OrderServiceApplication.application(), orderProperties);
      started.add(orderService);

      Map<String, Object> pointsProperties = datasource(database, pointsDatabase, "points-" + name);
      pointsProperties.put("server.port", 0);
      pointsProperties.put("server.tomcat.basedir", workDir.resolve("tomcat-points-" + name));
      pointsProperties.put("spring.datasource.hikari.maximum-pool-size", 4);
      pointsProperties.put("points.kafka-bootstrap-servers", kafka.bootstrapServers());
      pointsProperties.put("points.topic", topic);
      pointsProperties.put("points.group-id", "points-" + name);
      if (publishing != Publishing.OUTBOX) {
        pointsProperties.put("points.dedupe-header", "event-id");
      }
      ConfigurableApplicationContext pointsService =
          run(PointsServiceApplication.application(), pointsProperties);
      return new ServiceStack(
          publishing,
          messageStore ? OutboxSettings.Mode.MESSAGE_STORE : OutboxSettings.Mode.SAME_DATABASE,
          topic,
          ordersDatabase,
          pointsDatabase,
          messageDatabase,
          orderService,
          pointsService);
    } catch (RuntimeException e) {
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static Map<String, Object> datasource(
      DatabaseServer server, TestDatabase database, String poolName) {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("spring.datasource.url", database.jdbcUrl());
    properties.put("spring.datasource.username", server.username());
    properties.put("spring.datasource.password", server.password());
    properties.put("spring.datasource.hikari.pool-name", poolName);
    properties.put("spring.datasource.hikari.maximum-pool-size", 12);
    return properties;
  }

  private static ConfigurableApplicationContext run(
      SpringApplication application, Map<String, Object> properties) {
    // Passed as arguments: they rank above the application's own properties file.
    String[] args =
        properties.entrySet().stream()
            .map(entry -> "--" + entry.getKey() + "=" + entry.getValue())
            .toArray(String[]::new);
    return application.run(args);
  }

  /** The order service's base URL, e.g. {@code http://127.0.0.1:40123}. */
  String orderUrl() {
    return "http://127.0.0.1:" + port(orderService);
  }

  /** Whether the order service runs in message-store mode. */
  boolean messageStore() {
    return mode == OutboxSettings.Mode.MESSAGE_STORE;
  }

  /** The JDBC URL of the database that holds {@code t_msg}, which the relays run on. */
  String messagesJdbcUrl() {
    return messageDatabase == null ? ordersDatabase.jdbcUrl() : messageDatabase.jdbcUrl();
  }

  /** The order service's check-back endpoint (message-store mode). */
  String checkBackUrl() {
    return orderUrl() + CHECK_BACK_PATH;
  }

  /** The points service's base URL. */
  String pointsUrl() {
    return "http://127.0.0.1:" + port(pointsService);
  }

  private static int port(ConfigurableApplicationContext context) {
    return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  OrderEventsConsumer.Stats consumerStats() {
    return pointsService.getBean(OrderEventsConsumer.class).stats();
  }

  @Override
  public void close() {
    pointsService.close();
    orderService.close();
    if (messageDatabase != null) {
      messageDatabase.close();
    }
    pointsDatabase.close();
    ordersDatabase.close();
  }
}
