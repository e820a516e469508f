package dev.outboxrelay;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.internal.PublishListener;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
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
   * Refuses start-up when a bean has a {@link MsgSender} injected and no default topic is set: its
   * first send would fail. A service that only calls {@link Outbox#send} needs no default topic.
   *
   * @throws InvalidSettingException naming {@code outbox.default-topic} and the beans that use the
   *     sender, once every singleton is created
   */
  @Bean
  static SmartInitializingSingleton msgSenderTopicCheck(ConfigurableListableBeanFactory beans) {
    return () -> {
      for (String name : beans.getBeanNamesForType(MsgSender.class, false, false)) {
        String[] users = beans.getDependentBeans(name);
        if (users.length > 0 && beans.getBean(name, MsgSender.class).defaultTopic() == null) {
          throw new InvalidSettingException(
              "outbox.default-topic",
              "must be set: the MsgSender injected into "
                  + String.join(", ", users)
                  + " sends every message to that topic (or send with Outbox.send, which names"
                  + " the topic of each message)");
        }
      }
    };
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
    FastPath fastPath =
        settings.fastPathActive()
            ? new KafkaFastPath(
                dataSource,
                transactionManager,
                FastPathProducer.create(settings),
                settings,
                listener.getIfAvailable(() -> PublishListener.NONE))
            : FastPath.NONE;
    // after the producer's creation: a bad Kafka setting fails first, and "ready" is true
    log.info(
        "outbox ready: fast path {}, {}",
        settings.fastPathActive() ? "on" : "off (the relay delivers every message)",
        settings);
    return fastPath;
  }
}
