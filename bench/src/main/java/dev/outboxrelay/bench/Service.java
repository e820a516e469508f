package dev.outboxrelay.bench;

import dev.outboxrelay.EnableOutbox;
import dev.outboxrelay.MessageStoreOutbox;
import dev.outboxrelay.Outbox;
import dev.outboxrelay.OutboxConfiguration;
import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.OutboxSettings;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A service as a user wires it: a plain Spring context with {@link EnableOutbox}, a {@code
 * DataSourceTransactionManager} and the given {@link OutboxSettings} (with or without the fast
 * path; same-database or message-store mode); business code runs in {@link #transaction}.
 */
final class Service implements AutoCloseable {
  private final AnnotationConfigApplicationContext context;
  final Outbox outbox;

  /** The same outbox in message-store mode, which also prepares and enlists; null otherwise. */
  final @Nullable MessageStoreOutbox messageStore;

  final TransactionTemplate transaction;
  final JdbcTemplate jdbc;

  Service(DataSource pool, OutboxSettings settings) {
    this(pool, null, settings);
  }

  /**
   * @param messagePool message-store mode's message database, registered as {@value
   *     OutboxConfiguration#MESSAGE_DATA_SOURCE} (not a default candidate, so that {@code
   *     DataSource} by type stays the business one); null in same-database mode
   */
  Service(DataSource pool, DataSource messagePool, OutboxSettings settings) {
    // Not the pool itself: the context would close it, and the benchmark closes its pools itself.
    DataSource dataSource = new DelegatingDataSource(pool);
    context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, () -> dataSource);
    if (messagePool != null) {
      DataSource messageDataSource = new DelegatingDataSource(messagePool);
      context.registerBean(
          OutboxConfiguration.MESSAGE_DATA_SOURCE,
          DataSource.class,
          () -> messageDataSource,
          definition -> ((AbstractBeanDefinition) definition).setDefaultCandidate(false));
    }
    context.registerBean(OutboxSettings.class, () -> settings);
    context.register(
        ServiceConfiguration.class,
        settings.mode() == OutboxSettings.Mode.MESSAGE_STORE
            ? MessageStoreMode.class
            : SameDatabaseMode.class);
    context.refresh();
    outbox = context.getBean(Outbox.class);
    messageStore =
        settings.mode() == OutboxSettings.Mode.MESSAGE_STORE
            ? context.getBean(MessageStoreOutbox.class)
            : null;
    transaction = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
    // the same DataSource as the transaction manager's, so its statements join the transaction
    jdbc = new JdbcTemplate(dataSource);
  }

  /** A message as the benchmark's services send it: a customer key, a 300-byte payload. */
  static OutboxMessage message(String topic, long seq, String key, String refId) {
    return OutboxMessage.builder(topic)
        .key(key)
        .payload(Backlog.payload(seq, key))
        .reference(1, refId)
        .build();
  }

  @Override
  public void close() {
    context.close();
  }

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox
  static class SameDatabaseMode {}

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox(mode = OutboxSettings.Mode.MESSAGE_STORE)
  static class MessageStoreMode {}

  @Configuration(proxyBeanMethods = false)
  static class ServiceConfiguration {
    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }
  }
}
