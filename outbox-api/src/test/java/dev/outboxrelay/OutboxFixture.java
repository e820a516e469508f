package dev.outboxrelay;

import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * A plain Spring application with the outbox ({@link EnableOutbox} of the settings' mode) on a
 * fresh database of the real test server, with the schema of {@code sql/mysql/} (V1, V2) and the
 * article's {@code t_user} table, publishing to a fresh topic of the real test broker.
 */
final class OutboxFixture implements AutoCloseable {
  static final String[] SCHEMA = dev.outboxrelay.internal.OutboxSchema.mysqlScripts();

  final TestDatabase database;

  /** Message-store mode's message database; the business {@link #database} otherwise. */
  final TestDatabase messageDatabase;

  /** On {@link #messageDatabase}: where {@code t_msg} is. */
  final JdbcTemplate messages;

  final String topic;
  final AnnotationConfigApplicationContext context;
  final JdbcTemplate jdbc;

  /** The fast path's meters, as the Boot auto-configuration registers them. */
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  OutboxFixture(OutboxSettings.Builder settings, Class<?>... components) {
    this(settings, null, java.util.function.UnaryOperator.identity(), components);
  }

  /**
   * @param wrap wraps the business {@code DataSource} the application sees (e.g. to watch its
   *     statements)
   */
  OutboxFixture(
      OutboxSettings.Builder settings, java.util.function.UnaryOperator<DataSource> wrap) {
    this(settings, null, wrap);
  }

  OutboxFixture(
      OutboxSettings.Builder settings, TestDatabase messageDatabase, Class<?>... components) {
    this(settings, messageDatabase, java.util.function.UnaryOperator.identity(), components);
  }

  /**
   * @param messageDatabase message-store mode's message database (this fixture runs the schema in
   *     it and closes it), registered as {@code outboxMessageDataSource}; null for none
   */
  private OutboxFixture(
      OutboxSettings.Builder settings,
      TestDatabase messageDatabase,
      java.util.function.UnaryOperator<DataSource> wrap,
      Class<?>... components) {
    database = TestServers.database().createDatabase("outbox_api");
    database.runScript(SCHEMA);
    jdbc = new JdbcTemplate(database.dataSource());
    this.messageDatabase = messageDatabase == null ? database : messageDatabase;
    if (messageDatabase != null) {
      messageDatabase.runScript(SCHEMA);
    }
    messages = new JdbcTemplate(this.messageDatabase.dataSource());
    jdbc.execute("CREATE TABLE t_user (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL)");
    topic = "outbox-api-" + UUID.randomUUID();
    TestServers.kafka().createTopic(topic, 3);
    OutboxSettings outboxSettings = settings.defaultTopic(topic).build();
    context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, () -> wrap.apply(database.dataSource()));
    context.registerBean(OutboxSettings.class, () -> outboxSettings);
    context.registerBean(PublishListener.class, () -> new MicrometerPublishListener(meters));
    if (messageDatabase != null) {
      // not a default candidate: DataSource by type stays the business database
      context.registerBean(
          OutboxConfiguration.MESSAGE_DATA_SOURCE,
          DataSource.class,
          messageDatabase::dataSource,
          definition -> ((AbstractBeanDefinition) definition).setDefaultCandidate(false));
    }
    context.register(Infrastructure.class, modeConfiguration(outboxSettings.mode()));
    if (components.length > 0) {
      context.register(components);
    }
    context.refresh();
  }

  /** Message-store mode with a message database of its own on the test server. */
  static OutboxFixture messageStore(OutboxSettings.Builder settings, Class<?>... components) {
    return new OutboxFixture(
        settings.mode(OutboxSettings.Mode.MESSAGE_STORE),
        TestServers.database().createDatabase("outbox_messages"),
        components);
  }

  /** Settings that publish through the fast path to the test broker. */
  static OutboxSettings.Builder withFastPath() {
    return OutboxSettings.builder().kafkaBootstrapServers(TestServers.kafka().bootstrapServers());
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  TopicReader reader() {
    return TopicReader.fromNow(TestServers.kafka().bootstrapServers(), topic);
  }

  int count(String sql, Object... args) {
    return jdbc.queryForObject(sql, Integer.class, args);
  }

  /** The status of a message, from the database that holds {@code t_msg}. */
  int status(long messageId) {
    return messages.queryForObject(
        "SELECT status FROM t_msg WHERE id = ?", Integer.class, messageId);
  }

  /** The global id of a message, its Kafka {@code outbox-id}: {@code t_msg.msg_id}. */
  String messageIdOf(long messageId) {
    return messages.queryForObject(
        "SELECT msg_id FROM t_msg WHERE id = ?", String.class, messageId);
  }

  @Override
  public void close() {
    context.close();
    database.close();
    if (messageDatabase != database) {
      messageDatabase.close();
    }
  }

  /** The configuration that enables the outbox of {@code mode}, as an application declares it. */
  static Class<?> modeConfiguration(OutboxSettings.Mode mode) {
    return mode == OutboxSettings.Mode.MESSAGE_STORE
        ? MessageStoreMode.class
        : SameDatabaseMode.class;
  }

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox
  static class SameDatabaseMode {}

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox(mode = OutboxSettings.Mode.MESSAGE_STORE)
  static class MessageStoreMode {}

  @Configuration(proxyBeanMethods = false)
  @EnableTransactionManagement
  static class Infrastructure {
    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }

    @Bean
    JdbcTemplate jdbcTemplate(DataSource dataSource) {
      return new JdbcTemplate(dataSource);
    }
  }
}
