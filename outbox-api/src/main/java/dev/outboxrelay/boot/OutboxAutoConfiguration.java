package dev.outboxrelay.boot;

import dev.outboxrelay.EnableOutbox;
import dev.outboxrelay.OutboxConfiguration;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.web.CheckBackController;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Spring Boot auto-configuration of the outbox: {@link EnableOutbox} of the mode {@code
 * outbox.mode} names, with settings bound from {@code outbox.*}. Off with {@code
 * outbox.enabled=false}. Package-private: Spring Boot reads it from the imports file.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnBean({DataSource.class, PlatformTransactionManager.class})
@ConditionalOnProperty(prefix = "outbox", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(OutboxProperties.class)
class OutboxAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  OutboxSettings outboxSettings(OutboxProperties properties) {
    return properties.toSettings();
  }

  /** The outbox bean declared as an {@code Outbox}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnOutboxMode(OutboxSettings.Mode.SAME_DATABASE)
  @EnableOutbox
  static class SameDatabaseMode {}

  /** The outbox bean declared as a {@code MessageStoreOutbox}, injectable as one. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnOutboxMode(OutboxSettings.Mode.MESSAGE_STORE)
  @EnableOutbox(mode = OutboxSettings.Mode.MESSAGE_STORE)
  static class MessageStoreMode {}

  /**
   * Message-store mode's message database from {@code outbox.message-store.datasource.*}, unless
   * the application declares its own {@value OutboxConfiguration#MESSAGE_DATA_SOURCE}. Not a
   * default candidate: injecting a {@code DataSource} by type still finds the business one.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "com.zaxxer.hikari.HikariDataSource")
  static class MessageStore {
    @Bean(name = OutboxConfiguration.MESSAGE_DATA_SOURCE, defaultCandidate = false)
    @ConditionalOnProperty(prefix = "outbox.message-store.datasource", name = "url")
    @ConditionalOnMissingBean(name = OutboxConfiguration.MESSAGE_DATA_SOURCE)
    DataSource outboxMessageDataSource(OutboxProperties properties) {
      return MessageStoreDataSource.create(properties.messageStore().datasource());
    }
  }

  /** Message-store mode's check-back endpoint, in a Spring MVC application that asks for it. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "org.springframework.web.bind.annotation.RestController")
  @ConditionalOnProperty(prefix = "outbox.check-back-endpoint", name = "enabled")
  static class CheckBackEndpoint {
    @Bean
    @ConditionalOnMissingBean
    CheckBackController outboxCheckBackController(DataSource dataSource) {
      return new CheckBackController(dataSource);
    }
  }

  /** The fast path's meters ({@code path="fast-path"}) in the application's registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnBean(MeterRegistry.class)
  static class Metrics {
    @Bean
    @ConditionalOnMissingBean
    PublishListener outboxPublishListener(MeterRegistry registry) {
      return new MicrometerPublishListener(registry);
    }
  }
}
