package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelaySettingsTests {

  private static OutboxRelayProperties valid() {
    OutboxRelayProperties properties = new OutboxRelayProperties();
    properties.getKafka().setBootstrapServers("kafka:9092");
    return properties;
  }

  @Test
  void defaultsAreValid() {
    RelaySettings settings = valid().toSettings();

    assertThat(settings.lanes()).isEqualTo(16);
    assertThat(settings.batchSize()).isEqualTo(500);
    assertThat(settings.onAck()).isEqualTo(RelaySettings.OnAck.MARK_SENT);
    assertThat(settings.instanceId()).isNotBlank();
  }

  @Test
  void badValuesFailWithOneLineNamingThePropertyAndTheRange() {
    OutboxRelayProperties noKafka = new OutboxRelayProperties();
    assertThatThrownBy(noKafka::toSettings)
        .hasMessageStartingWith("outbox.relay.kafka.bootstrap-servers must be set");

    OutboxRelayProperties batch = valid();
    batch.setBatchSize(0);
    assertThatThrownBy(batch::toSettings)
        .hasMessage("outbox.relay.batch-size must be between 1 and 10000, was 0");

    OutboxRelayProperties poll = valid();
    poll.setPollInterval(Duration.ofMinutes(2));
    assertThatThrownBy(poll::toSettings)
        .hasMessage("outbox.relay.poll-interval must be between 1ms and 1m, was 2m");

    OutboxRelayProperties jitter = valid();
    jitter.getBackoff().setJitter(1.5);
    assertThatThrownBy(jitter::toSettings)
        .hasMessage("outbox.relay.backoff.jitter must be between 0.0 and 1.0, was 1.5");

    OutboxRelayProperties lease = valid();
    lease.setSendTimeout(Duration.ofSeconds(30));
    assertThatThrownBy(lease::toSettings)
        .hasMessageContaining(
            "outbox.relay.send-timeout (30s) must be shorter than outbox.relay.lease-duration (30s)");
  }

  @Test
  void toStringShowsNoProducerPropertyValue() {
    OutboxRelayProperties properties = valid();
    properties.getKafka().setProperties(Map.of("sasl.jaas.config", "password=\"s3cret\""));

    assertThat(properties.toSettings().toString())
        .contains("sasl.jaas.config")
        .doesNotContain("s3cret");
  }

  @Test
  void backoffGrowsExponentiallyWithJitterUpToTheCap() {
    OutboxRelayProperties properties = valid();
    properties.getBackoff().setInitial(Duration.ofSeconds(1));
    properties.getBackoff().setMax(Duration.ofSeconds(60));
    properties.getBackoff().setJitter(0.2);
    properties.setMaxAttempts(5);
    FailurePolicy policy = new FailurePolicy(properties.toSettings());

    assertThat(policy.backoff(1)).isBetween(Duration.ofMillis(800), Duration.ofSeconds(1));
    assertThat(policy.backoff(4)).isBetween(Duration.ofMillis(6400), Duration.ofSeconds(8));
    assertThat(policy.backoff(30)).isBetween(Duration.ofSeconds(48), Duration.ofSeconds(60));
    assertThat(policy.isDead(new org.apache.kafka.common.errors.TimeoutException("t"), 3))
        .isFalse();
    assertThat(policy.isDead(new org.apache.kafka.common.errors.TimeoutException("t"), 4)).isTrue();
    assertThat(policy.isDead(new org.apache.kafka.common.errors.RecordTooLargeException("big"), 0))
        .isTrue();
  }
}
