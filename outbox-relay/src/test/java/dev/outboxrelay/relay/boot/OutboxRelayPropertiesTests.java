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
  void checkBackEnvironmentVariablesAsTheHelmChartWritesThemBindToTheSettings() {
    // relay.check-back.* values and checkBack.database become these (helm/outbox-relay)
    SystemEnvironmentPropertySource environment =
        new SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            Map.of(
                "OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS", "kafka:9093",
                "OUTBOX_RELAY_CHECK_BACK_SOURCE", "database",
                "OUTBOX_RELAY_CHECK_BACK_AFTER", "1m",
                "OUTBOX_RELAY_CHECK_BACK_TRANSACTION_TIMEOUT", "10m",
                "OUTBOX_RELAY_CHECK_BACK_BATCH_SIZE", "50",
                "OUTBOX_RELAY_CHECK_BACK_MAX_BACKOFF", "2m",
                "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_URL", "jdbc:mysql://orders-db:3306/orders",
                "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_USERNAME", "check-back",
                "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_PASSWORD", "from-a-secret"));
    SystemEnvironmentPropertySource http =
        new SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            Map.of(
                "OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS", "kafka:9093",
                "OUTBOX_RELAY_CHECK_BACK_SOURCE", "http",
                "OUTBOX_RELAY_CHECK_BACK_URL", "http://orders:8080/outbox/check-back",
                "OUTBOX_RELAY_CHECK_BACK_REQUEST_TIMEOUT", "5s",
                "OUTBOX_RELAY_CHECK_BACK_INTERVAL", "30s"));

    OutboxRelayProperties properties =
        new Binder(ConfigurationPropertySources.from(environment))
            .bind("outbox.relay", OutboxRelayProperties.class)
            .get();
    RelaySettings.CheckBack overHttp =
        new Binder(ConfigurationPropertySources.from(http))
            .bind("outbox.relay", OutboxRelayProperties.class)
            .get()
            .toSettings()
            .checkBack();

    RelaySettings.CheckBack checkBack = properties.toSettings().checkBack();
    assertThat(checkBack.source()).isEqualTo(RelaySettings.CheckBack.Source.DATABASE);
    assertThat(checkBack.after()).isEqualTo(Duration.ofMinutes(1));
    assertThat(checkBack.transactionTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(checkBack.batchSize()).isEqualTo(50);
    assertThat(checkBack.maxBackoff()).isEqualTo(Duration.ofMinutes(2));
    OutboxRelayProperties.CheckBackDataSource database = properties.getCheckBack().getDatasource();
    assertThat(database.getUrl()).isEqualTo("jdbc:mysql://orders-db:3306/orders");
    assertThat(database.getUsername()).isEqualTo("check-back");
    assertThat(database.getPassword()).isEqualTo("from-a-secret");
    assertThat(overHttp.source()).isEqualTo(RelaySettings.CheckBack.Source.HTTP);
    assertThat(overHttp.url()).hasToString("http://orders:8080/outbox/check-back");
    assertThat(overHttp.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(overHttp.interval()).isEqualTo(Duration.ofSeconds(30));
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
