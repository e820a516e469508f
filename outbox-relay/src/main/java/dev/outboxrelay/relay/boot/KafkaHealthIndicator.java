package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.OutboxRelay;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP when a Kafka broker of the relay's cluster answers (the relay's probe, bounded and cached for
 * a second), DOWN otherwise. No details: the bootstrap servers and client settings are not the
 * health endpoint's business.
 */
final class KafkaHealthIndicator implements HealthIndicator {

  private final OutboxRelay relay;

  KafkaHealthIndicator(OutboxRelay relay) {
    this.relay = relay;
  }

  @Override
  public Health health() {
    return relay.kafkaReachable() ? Health.up().build() : Health.down().build();
  }
}
