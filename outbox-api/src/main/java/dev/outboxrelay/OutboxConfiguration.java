package dev.outboxrelay;

import dev.outboxrelay.internal.PublishListener;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The outbox beans: {@link Outbox} and {@link MsgSender}. Needs a {@code DataSource} and the {@code
 * PlatformTransactionManager} of the business transactions; uses the {@link OutboxSettings} bean if
 * there is one, else the defaults. In message-store mode it also needs the message database: a
 * {@code DataSource} bean named {@value #MESSAGE_DATA_SOURCE} (declare it with
 * {@code @Bean(defaultCandidate = false)}, or mark the business one {@code @Primary}, so that
 * injection by type still finds the business one). The fast path reports what it publishes to the
 * {@code PublishListener} bean if there is one (Spring Boot declares a Micrometer one).
 */
@Configuration(proxyBeanMethods = false)
public class OutboxConfiguration {
  private static final Logger log = LoggerFactory.getLogger(OutboxConfiguration.class);

  /** The bean name of message-store mode's message database. */
  public static final String MESSAGE_DATA_SOURCE = "outboxMessageDataSource";

  /**
   * @throws IllegalStateException in message-store mode without a {@value #MESSAGE_DATA_SOURCE}
   *     bean, or when it is the business DataSource itself
   */
  @Bean
  public Outbox outbox(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      ObjectProvider<OutboxSettings> settingsProvider,
      ObjectProvider<PublishListener> listener,
      BeanFactory beans) {
    OutboxSettings settings = settingsProvider.getIfAvailable(OutboxSettings::defaults);
    if (settings.mode() == OutboxSettings.Mode.MESSAGE_STORE) {
      DataSource messageDataSource = messageDataSource(beans, dataSource);
      DataSourceTransactionManager messageTransactions =
          new DataSourceTransactionManager(messageDataSource);
      FastPath fastPath = fastPath(messageDataSource, messageTransactions, settings, listener);
      return new MessageStoreOutbox(
          dataSource,
          transactionManager,
          messageDataSource,
          messageTransactions,
          settings,
          fastPath);
    }
    FastPath fastPath = fastPath(dataSource, transactionManager, settings, listener);
    return new JdbcOutbox(dataSource, transactionManager, settings, fastPath);
  }

  private static DataSource messageDataSource(BeanFactory beans, DataSource business) {
    if (!beans.containsBean(MESSAGE_DATA_SOURCE)) {
      throw new IllegalStateException(
          "outbox.mode=message-store needs the message database: set"
              + " outbox.message-store.datasource.url (Spring Boot) or declare a DataSource bean"
              + " named "
              + MESSAGE_DATA_SOURCE);
    }
    DataSource messages = beans.getBean(MESSAGE_DATA_SOURCE, DataSource.class);
    if (messages == business) {
      throw new IllegalStateException(
          "the bean "
              + MESSAGE_DATA_SOURCE
              + " is the business DataSource: message-store mode keeps t_msg in another database"
              + " (for one database, use outbox.mode=same-database)");
    }
    return messages;
  }

  /** The fast path on the database that holds {@code t_msg}, or none without Kafka. */
  private static FastPath fastPath(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      OutboxSettings settings,
      ObjectProvider<PublishListener> listener) {
    log.info(
        "outbox ready: fast path {}, {}",
        settings.fastPathActive() ? "on" : "off (the relay delivers every message)",
        settings);
    if (!settings.fastPathActive()) {
      return FastPath.NONE;
    }
    return new KafkaFastPath(
        dataSource,
        transactionManager,
        FastPathProducer.create(settings),
        settings,
        listener.getIfAvailable(() -> PublishListener.NONE));
  }

  @Bean
  public MsgSender msgSender(Outbox outbox, ObjectProvider<OutboxSettings> settingsProvider) {
    return new MsgSender(
        outbox, settingsProvider.getIfAvailable(OutboxSettings::defaults).defaultTopic());
  }
}
