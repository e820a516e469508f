package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxSettingsTests {

  @Test
  void defaultsAreValidAndLeaveTheFastPathOffWithoutKafka() {
    OutboxSettings settings = OutboxSettings.defaults();

    assertThat(settings.maxPayloadBytes()).isEqualTo(1024 * 1024);
    assertThat(settings.lanes()).isEqualTo(16);
    assertThat(settings.fastPathActive()).isFalse();
    assertThat(OutboxSettings.builder().kafkaBootstrapServers("k:9092").build().fastPathActive())
        .isTrue();
  }

  @Test
  void outOfRangeValuesFailNamingThePropertyAndTheRangeNeverClamped() {
    assertThatThrownBy(() -> OutboxSettings.builder().lanes(0).build())
        .hasMessage("outbox.lanes must be between 1 and 1024, was 0");
    assertThatThrownBy(() -> OutboxSettings.builder().maxPayloadBytes(16_777_216).build())
        .hasMessage("outbox.max-payload-bytes must be between 1 and 16777215, was 16777216");
    assertThatThrownBy(() -> OutboxSettings.builder().fastPathThreads(65).build())
        .hasMessage("outbox.fast-path.threads must be between 1 and 64, was 65");
    assertThatThrownBy(() -> OutboxSettings.builder().fastPathQueueCapacity(0).build())
        .hasMessage("outbox.fast-path.queue-capacity must be between 1 and 1000000, was 0");
    assertThatThrownBy(
            () -> OutboxSettings.builder().fastPathAckTimeout(Duration.ofMillis(10)).build())
        .hasMessage("outbox.fast-path.ack-timeout must be between 100ms and 5m, was PT0.01S");
    assertThatThrownBy(() -> OutboxSettings.builder().defaultTopic("bad topic").build())
        .hasMessageContaining("outbox.default-topic 'bad topic' is not a legal Kafka topic name");
  }

  @Test
  void toStringNeverShowsProducerPropertyValues() {
    OutboxSettings settings =
        OutboxSettings.builder()
            .kafkaProperties(Map.of("sasl.jaas.config", "password=\"s3cret\""))
            .build();

    assertThat(settings.toString()).contains("sasl.jaas.config").doesNotContain("s3cret");
  }
}
