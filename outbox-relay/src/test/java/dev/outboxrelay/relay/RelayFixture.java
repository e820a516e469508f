package dev.outboxrelay.relay;

import dev.outboxrelay.EnableOutbox;
import dev.outboxrelay.Outbox;
import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A fresh database with the outbox schema and a fresh topic on the real test servers; relays and
 * writers (the outbox-api write path, optionally with its fast path) on top, all closed at the end.
 */
final class RelayFixture implements AutoCloseable {
  static final String SCHEMA = "META-INF/outbox/sql/mysql/V1__outbox.sql";

  final TestDatabase database;
  final JdbcTemplate jdbc;
  final String topic;
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  RelayFixture(int partitions) {
    database = TestServers.database().createDatabase("relay");
    database.runScript(SCHEMA);
    jdbc = new JdbcTemplate(database.dataSource());
    topic = "relay-" + UUID.randomUUID();
    TestServers.kafka().createTopic(topic, partitions);
  }

  /** Settings for a quick relay on the test servers; {@code change} adjusts them. */
  OutboxRelayProperties properties(Consumer<OutboxRelayProperties> change) {
    OutboxRelayProperties properties = new OutboxRelayProperties();
    properties.getKafka().setBootstrapServers(TestServers.kafka().bootstrapServers());
    properties.setPollInterval(Duration.ofMillis(20));
    properties.setLeaseDuration(Duration.ofSeconds(3));
    properties.setSendTimeout(Duration.ofSeconds(2));
    properties.setMaxBlock(Duration.ofSeconds(1));
    properties.setShutdownTimeout(Duration.ofSeconds(5));
    properties.setBatchSize(200);
    change.accept(properties);
    return properties;
  }

  /** A started relay; closed with the fixture unless the test closes or halts it first. */
  OutboxRelay startRelay(Consumer<OutboxRelayProperties> change) {
    OutboxRelay relay =
        new OutboxRelay(database.dataSource(), properties(change).toSettings(), meters);
    closeables.add(relay);
    relay.start();
    return relay;
  }

  /** The write path of outbox-api, with or without its fast path. */
  Writer writer(boolean fastPath) {
    OutboxSettings.Builder settings = OutboxSettings.builder();
    if (fastPath) {
      settings.kafkaBootstrapServers(TestServers.kafka().bootstrapServers());
    }
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, database::dataSource);
    context.registerBean(OutboxSettings.class, settings::build);
    context.register(WriterConfiguration.class);
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

  @Override
  public void close() {
    List<AutoCloseable> newestFirst = new ArrayList<>(closeables);
    java.util.Collections.reverse(newestFirst);
    for (AutoCloseable closeable : newestFirst) {
      try {
        closeable.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    database.close();
  }

  /** Writes messages as a service would: in a transaction, one reference per message. */
  record Writer(Outbox outbox, TransactionTemplate transaction, String topic) {
    long send(String key, String payload) {
      return transaction.execute(
          status ->
              outbox.send(
                  OutboxMessage.builder(topic)
                      .key(key)
                      .payload(payload)
                      .reference(1, UUID.randomUUID().toString())
                      .build()));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox
  static class WriterConfiguration {
    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }
  }
}
