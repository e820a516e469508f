package dev.outboxrelay;

import dev.outboxrelay.internal.PublishListener;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.transaction.PlatformTransactionManager;

/** Same-database mode's outbox bean, declared as an {@link Outbox} (no {@code prepare}). */
@Configuration(proxyBeanMethods = false)
@Import(OutboxConfiguration.class)
class SameDatabaseConfiguration {

  @Bean
  Outbox outbox(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      ObjectProvider<OutboxSettings> settingsProvider,
      ObjectProvider<PublishListener> listener) {
    OutboxSettings settings =
        OutboxConfiguration.settings(settingsProvider, OutboxSettings.Mode.SAME_DATABASE);
    FastPath fastPath =
        OutboxConfiguration.fastPath(dataSource, transactionManager, settings, listener);
    return new SameDatabaseOutbox(dataSource, transactionManager, settings, fastPath);
  }
}
