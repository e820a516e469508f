package dev.outboxrelay;

import dev.outboxrelay.internal.PublishListener;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Message-store mode's outbox bean, declared as a {@link MessageStoreOutbox}: injectable as that
 * and as an {@link Outbox}.
 */
@Configuration(proxyBeanMethods = false)
@Import(OutboxConfiguration.class)
class MessageStoreConfiguration {

  /**
   * @throws IllegalStateException without a {@value OutboxConfiguration#MESSAGE_DATA_SOURCE} bean,
   *     or when it is the business DataSource itself
   */
  @Bean
  MessageStoreOutbox outbox(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      ObjectProvider<OutboxSettings> settingsProvider,
      ObjectProvider<PublishListener> listener,
      BeanFactory beans) {
    OutboxSettings settings =
        OutboxConfiguration.settings(settingsProvider, OutboxSettings.Mode.MESSAGE_STORE);
    DataSource messageDataSource = messageDataSource(beans, dataSource);
    DataSourceTransactionManager messageTransactions =
        new DataSourceTransactionManager(messageDataSource);
    FastPath fastPath =
        OutboxConfiguration.fastPath(messageDataSource, messageTransactions, settings, listener);
    return new MessageStoreModeOutbox(
        dataSource, transactionManager, messageDataSource, messageTransactions, settings, fastPath);
  }

  private static DataSource messageDataSource(BeanFactory beans, DataSource business) {
    String name = OutboxConfiguration.MESSAGE_DATA_SOURCE;
    if (!beans.containsBean(name)) {
      throw new IllegalStateException(
          "outbox.mode=message-store needs the message database: set"
              + " outbox.message-store.datasource.url (Spring Boot) or declare a DataSource bean"
              + " named "
              + name);
    }
    DataSource messages = beans.getBean(name, DataSource.class);
    if (messages == business) {
      throw new IllegalStateException(
          "the bean "
              + name
              + " is the business DataSource: message-store mode keeps t_msg in another database"
              + " (for one database, use outbox.mode=same-database)");
    }
    return messages;
  }
}
