package dev.outboxrelay.relay.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.relay.RelaySettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

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
  void environmentVariablesAsTheHelmChartWritesThemBindToTheSettings() {
    // the chart's forms: dots and dashes as underscores, producer properties below KAFKA_PROPERTIES
    SystemEnvironmentPropertySource environment =
        new SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            Map.of(
                "OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS", "kafka:9093",
                "OUTBOX_RELAY_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "jaas",
                "OUTBOX_RELAY_KAFKA_PROPERTIES_SECURITY_PROTOCOL", "SASL_SSL",
                "OUTBOX_RELAY_BATCH_SIZE", "2000",
                "OUTBOX_RELAY_BACKOFF_INITIAL", "2s",
                "OUTBOX_RELAY_INSTANCE_ID", "outbox-relay-7d9f-abcde"));

    RelaySettings settings =
        new Binder(ConfigurationPropertySources.from(environment))
            .bind("outbox.relay", OutboxRelayProperties.class)
            .get()
            .toSettings();

    assertThat(settings.kafka().bootstrapServers()).isEqualTo("kafka:9093");
    assertThat(settings.kafka().properties())
        .containsEntry("sasl.jaas.config", "jaas")
        .containsEntry("security.protocol", "SASL_SSL");
    assertThat(settings.batchSize()).isEqualTo(2000);
    assertThat(settings.backoff().initial()).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.instanceId()).isEqualTo("outbox-relay-7d9f-abcde");
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
