package dev.outboxrelay.example.demo;

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
 * approaches 1 and 2 for comparison.
 */
final class ServiceStack implements AutoCloseable {
  final Publishing publishing;
  final String topic;
  final TestDatabase ordersDatabase;
  final TestDatabase pointsDatabase;
  final ConfigurableApplicationContext orderService;
  final ConfigurableApplicationContext pointsService;
  final JdbcTemplate orders;
  final JdbcTemplate points;

  private ServiceStack(
      Publishing publishing,
      String topic,
      TestDatabase ordersDatabase,
      TestDatabase pointsDatabase,
      ConfigurableApplicationContext orderService,
      ConfigurableApplicationContext pointsService) {
    this.publishing = publishing;
    this.topic = topic;
    this.ordersDatabase = ordersDatabase;
    this.pointsDatabase = pointsDatabase;
    this.orderService = orderService;
    this.pointsService = pointsService;
    this.orders = new JdbcTemplate(ordersDatabase.dataSource());
    this.points = new JdbcTemplate(pointsDatabase.dataSource());
  }

  /**
   * Creates the two databases and the topic and starts both services on free ports. The outbox
   * stack's order service publishes through the fast path; the relay is started separately.
   */
  static ServiceStack start(
      Publishing publishing,
      DatabaseServer database,
      KafkaBroker kafka,
      String topic,
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

      Map<String, Object> orderProperties = datasource(database, ordersDatabase, "orders-" + name);
      orderProperties.put("server.port", 0);
      orderProperties.put("server.tomcat.basedir", workDir.resolve("tomcat-orders-" + name));
      orderProperties.put("orders.topic", topic);
      orderProperties.put("orders.publishing", publishing.name());
      if (publishing == Publishing.OUTBOX) {
        orderProperties.put("outbox.kafka.bootstrap-servers", kafka.bootstrapServers());
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
          publishing, topic, ordersDatabase, pointsDatabase, orderService, pointsService);
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
    pointsDatabase.close();
    ordersDatabase.close();
  }
}
