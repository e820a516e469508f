package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.OutboxRelay;
import dev.outboxrelay.relay.RelaySettings;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Runs the relay in a Spring Boot application: on with {@code outbox.relay.enabled=true} when there
 * is a {@link DataSource}. The settings are bound from {@code outbox.relay.*} and validated before
 * anything connects, so a bad value stops start-up with one line naming the property; the relay
 * starts once the context is refreshed and stops, finishing or abandoning its in-flight batches
 * within {@code outbox.relay.shutdown-timeout}, before the web server and the {@code DataSource} go
 * away. Micrometer meters go to the application's {@link MeterRegistry} if it has one.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnProperty(prefix = "outbox.relay", name = "enabled", havingValue = "true")
@ConditionalOnBean(DataSource.class)
@EnableConfigurationProperties(OutboxRelayProperties.class)
class OutboxRelayAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  RelaySettings outboxRelaySettings(OutboxRelayProperties properties) {
    // Throws InvalidSettingException("outbox.relay.<name> must be ...") on a bad value.
    return properties.toSettings();
  }

  /** Closed by {@link OutboxRelayLifecycle}, and on destruction if the context fails to start. */
  @Bean
  @ConditionalOnMissingBean
  OutboxRelay outboxRelay(
      DataSource dataSource,
      RelaySettings settings,
      ObjectProvider<MeterRegistry> meterRegistry,
      @Qualifier(CHECK_BACK_DATA_SOURCE) ObjectProvider<DataSource> checkBackDataSource) {
    return new OutboxRelay(
        dataSource, settings, meterRegistry.getIfAvailable(), checkBackDataSource.getIfAvailable());
  }

  /** The bean name of the business database that the check-back reads. */
  public static final String CHECK_BACK_DATA_SOURCE = "outboxCheckBackDataSource";

  /**
   * The business database for {@code check-back.source=database}: a small read-only pool. Not a
   * default candidate, so that the relay's own {@code DataSource} stays the only one by type.
   */
  @Bean(name = CHECK_BACK_DATA_SOURCE, defaultCandidate = false)
  // set and not blank: an empty variable in an env file means "not set", as for every setting
  @ConditionalOnExpression("!'${outbox.relay.check-back.datasource.url:}'.isBlank()")
  @ConditionalOnMissingBean(name = CHECK_BACK_DATA_SOURCE)
  DataSource outboxCheckBackDataSource(OutboxRelayProperties properties) {
    return CheckBackDataSources.create(properties.checkBack());
  }

  @Bean
  OutboxRelayLifecycle outboxRelayLifecycle(OutboxRelay outboxRelay) {
    return new OutboxRelayLifecycle(outboxRelay);
  }
}
