package dev.outboxrelay.relay.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.relay.RelaySettings;
import org.junit.jupiter.api.Test;

/**
 * The defaults are declared in {@link RelaySettings}; the Boot properties repeat them as literals
 * for the IDE metadata. Both must agree.
 */
class OutboxRelayPropertiesTests {

  @Test
  void bootPropertyDefaultsEqualTheSettingsRecordDefaults() {
    OutboxRelayProperties properties = new OutboxRelayProperties();
    properties.getKafka().setBootstrapServers("kafka:9092");
    properties.setInstanceId("relay-1");

    RelaySettings fromProperties = properties.toSettings();
    RelaySettings defaults =
        RelaySettings.builder().kafkaBootstrapServers("kafka:9092").instanceId("relay-1").build();

    assertThat(fromProperties).isEqualTo(defaults);
  }

  @Test
  void withoutAnInstanceIdEachRelayGetsItsOwn() {
    OutboxRelayProperties properties = new OutboxRelayProperties();
    properties.getKafka().setBootstrapServers("kafka:9092");

    assertThat(properties.toSettings().instanceId())
        .isNotEqualTo(properties.toSettings().instanceId())
        .contains("-" + ProcessHandle.current().pid() + "-");
  }
}
