package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.OutboxRelay;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code kafka} health indicator of a running relay (Spring Boot's {@code spring-boot-health}
 * module on the classpath; off with {@code management.health.kafka.enabled=false}). The relay
 * application puts it in the readiness group, next to {@code db}.
 */
@AutoConfiguration(after = OutboxRelayAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(OutboxRelay.class)
@ConditionalOnEnabledHealthIndicator("kafka")
public class OutboxRelayHealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "kafkaHealthIndicator")
  HealthIndicator kafkaHealthIndicator(OutboxRelay outboxRelay) {
    return new KafkaHealthIndicator(outboxRelay);
  }
}
