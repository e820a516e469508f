package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.config.InvalidSettingException;
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
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("outbox.fast-path.ack-timeout must be between 100ms and 5m, was 10ms");
    assertThatThrownBy(
            () -> OutboxSettings.builder().fastPathRelayDelay(Duration.ofSeconds(-1)).build())
        .hasMessage("outbox.fast-path.relay-delay must be between 0ms and 1m, was -1s");
    assertThatThrownBy(() -> OutboxSettings.builder().defaultTopic("bad topic").build())
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.property()).isEqualTo("outbox.default-topic"))
        .hasMessageContaining("outbox.default-topic 'bad topic' is not a legal Kafka topic name");
  }

  @Test
  void toStringIsTheWholeConfigurationWithCredentialsMasked() {
    OutboxSettings settings =
        OutboxSettings.builder()
            .kafkaBootstrapServers("kafka:9092")
            .kafkaProperties(
                Map.of("sasl.jaas.config", "password=\"s3cret\"", "compression.type", "lz4"))
            .build();

    assertThat(settings.toString())
        .isEqualTo(
            "OutboxSettings[outbox.mode=same-database, outbox.default-topic=, outbox.max-payload-bytes=1048576,"
                + " outbox.lanes=16, outbox.key-order=commit,"
                + " outbox.kafka.bootstrap-servers=kafka:9092,"
                + " outbox.kafka.properties={compression.type=lz4, sasl.jaas.config=******},"
                + " outbox.fast-path.enabled=true, outbox.fast-path.threads=2,"
                + " outbox.fast-path.queue-capacity=10000, outbox.fast-path.ack-timeout=10s,"
                + " outbox.fast-path.relay-delay=1s]")
        .doesNotContain("s3cret");
  }
}
