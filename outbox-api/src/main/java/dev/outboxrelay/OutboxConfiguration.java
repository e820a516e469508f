package dev.outboxrelay;

import dev.outboxrelay.internal.PublishListener;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * What both modes' configurations share: the {@link MsgSender} bean. {@link EnableOutbox} imports
 * it with the {@link Outbox} bean of its mode; import {@code EnableOutbox}, not this class. The
 * outbox needs a {@code DataSource} and the {@code PlatformTransactionManager} of the business
 * transactions, and uses the {@link OutboxSettings} bean if there is one, else the defaults. In
 * message-store mode it also needs the message database: a {@code DataSource} bean named {@value
 * #MESSAGE_DATA_SOURCE} (declare it with {@code @Bean(defaultCandidate = false)}, or mark the
 * business one {@code @Primary}, so that injection by type still finds the business one).
 */
@Configuration(proxyBeanMethods = false)
public class OutboxConfiguration {
  private static final Logger log = LoggerFactory.getLogger(OutboxConfiguration.class);

  /** The bean name of message-store mode's message database. */
  public static final String MESSAGE_DATA_SOURCE = "outboxMessageDataSource";

  OutboxConfiguration() {}

  @Bean
  MsgSender msgSender(Outbox outbox, ObjectProvider<OutboxSettings> settingsProvider) {
    return new MsgSender(
        outbox, settingsProvider.getIfAvailable(OutboxSettings::defaults).defaultTopic());
  }

  /**
   * The {@link OutboxSettings} bean, or the defaults.
   *
   * @throws IllegalStateException if their mode is not {@code registered}, the mode whose outbox
   *     bean is declared: the bean's type would not be the mode's
   */
  static OutboxSettings settings(
      ObjectProvider<OutboxSettings> provider, OutboxSettings.Mode registered) {
    OutboxSettings settings = provider.getIfAvailable(OutboxSettings::defaults);
    if (settings.mode() != registered) {
      throw new IllegalStateException(
          "the OutboxSettings have outbox.mode="
              + property(settings.mode())
              + " but the outbox is registered for outbox.mode="
              + property(registered)
              + ": in Spring Boot set outbox.mode="
              + property(settings.mode())
              + " (an OutboxSettings bean of your own must agree with it), in plain Spring use"
              + " @EnableOutbox(mode = "
              + settings.mode()
              + ")");
    }
    return settings;
  }

  private static String property(OutboxSettings.Mode mode) {
    return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The fast path on the database that holds {@code t_msg}, or none without Kafka. */
  static FastPath fastPath(
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
}
