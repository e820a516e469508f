package dev.outboxrelay;

import dev.outboxrelay.internal.PublishListener;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The outbox beans: {@link Outbox} and {@link MsgSender}. Needs a {@code DataSource} and the {@code
 * PlatformTransactionManager} of the business transactions; uses the {@link OutboxSettings} bean if
 * there is one, else the defaults. The fast path reports what it publishes to the {@code
 * PublishListener} bean if there is one (Spring Boot declares a Micrometer one).
 */
@Configuration(proxyBeanMethods = false)
public class OutboxConfiguration {
  private static final Logger log = LoggerFactory.getLogger(OutboxConfiguration.class);

  @Bean
  public Outbox outbox(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      ObjectProvider<OutboxSettings> settingsProvider,
      ObjectProvider<PublishListener> listener) {
    OutboxSettings settings = settingsProvider.getIfAvailable(OutboxSettings::defaults);
    FastPath fastPath = FastPath.NONE;
    if (settings.fastPathActive()) {
      fastPath =
          new KafkaFastPath(
              dataSource,
              transactionManager,
              KafkaFastPath.createProducer(settings),
              settings,
              listener.getIfAvailable(() -> PublishListener.NONE));
    }
    log.info(
        "outbox ready: fast path {}, {}",
        settings.fastPathActive() ? "on" : "off (the relay delivers every message)",
        settings);
    return new JdbcOutbox(dataSource, transactionManager, settings, fastPath);
  }

  @Bean
  public MsgSender msgSender(Outbox outbox, ObjectProvider<OutboxSettings> settingsProvider) {
    return new MsgSender(
        outbox, settingsProvider.getIfAvailable(OutboxSettings::defaults).defaultTopic());
  }
}
