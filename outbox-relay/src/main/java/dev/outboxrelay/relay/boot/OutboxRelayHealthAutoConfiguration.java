package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.OutboxRelay;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The health indicators of a running relay (Spring Boot's {@code spring-boot-health} module on the
 * classpath): {@code kafka} (off with {@code management.health.kafka.enabled=false}), which the
 * relay application puts in the readiness group next to {@code db}; {@code relayDatabase} (off with
 * {@code management.health.relay-database.enabled=false}), DOWN while the relay's own writes to its
 * database fail (read-only after a failover, or unreachable), also in the readiness group; and
 * {@code relayWorkers} (off with {@code management.health.relay-workers.enabled=false}), in its
 * liveness group.
 */
@AutoConfiguration(after = OutboxRelayAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(OutboxRelay.class)
class OutboxRelayHealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "kafkaHealthIndicator")
  @ConditionalOnEnabledHealthIndicator("kafka")
  HealthIndicator kafkaHealthIndicator(OutboxRelay outboxRelay) {
    return new KafkaHealthIndicator(outboxRelay);
  }

  /**
   * DOWN with the reason ({@link OutboxRelay#databaseFailure()}) as detail {@code reason}: {@code
   * db} stays UP on a database that answers reads but refuses writes, while every round fails.
   */
  @Bean
  @ConditionalOnMissingBean(name = "relayDatabaseHealthIndicator")
  @ConditionalOnEnabledHealthIndicator("relay-database")
  HealthIndicator relayDatabaseHealthIndicator(OutboxRelay outboxRelay) {
    return () -> {
      String failure = outboxRelay.databaseFailure();
      return failure == null
          ? Health.up().build()
          : Health.down().withDetail("reason", failure).build();
    };
  }

  @Bean
  @ConditionalOnMissingBean(name = "relayWorkersHealthIndicator")
  @ConditionalOnEnabledHealthIndicator("relay-workers")
  HealthIndicator relayWorkersHealthIndicator(OutboxRelay outboxRelay) {
    return () ->
        outboxRelay.stalledWorkers().isEmpty() ? Health.up().build() : Health.down().build();
  }
}
