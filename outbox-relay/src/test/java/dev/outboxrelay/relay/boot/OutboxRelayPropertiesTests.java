package dev.outboxrelay.relay.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.config.SettingChecks;
import dev.outboxrelay.relay.RelaySettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * The Boot properties as Spring Boot binds them, through the constructor. Their defaults are
 * {@code @DefaultValue}s for the IDE metadata, and must equal {@link RelaySettings#builder()}'s.
 */
class OutboxRelayPropertiesTests {

  private static OutboxRelayProperties bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("outbox.relay", OutboxRelayProperties.class);
  }

  private static OutboxRelayProperties bindEnvironment(Map<String, Object> variables) {
    return new Binder(
            ConfigurationPropertySources.from(
                new SystemEnvironmentPropertySource(
                    StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables)))
        .bindOrCreate("outbox.relay", OutboxRelayProperties.class);
  }

  @Test
  void bootPropertyDefaultsEqualTheSettingsRecordDefaults() {
    OutboxRelayProperties properties =
        bind(
            Map.of(
                "outbox.relay.kafka.bootstrap-servers", "kafka:9092",
                "outbox.relay.instance-id", "relay-1"));

    RelaySettings defaults =
        RelaySettings.builder().kafkaBootstrapServers("kafka:9092").instanceId("relay-1").build();

    assertThat(properties.toSettings()).isEqualTo(defaults);
    assertThat(properties.enabled()).isFalse();
    assertThat(properties.checkBack().datasource())
        .isEqualTo(new OutboxRelayProperties.CheckBackDataSource(null, null, null));
  }

  @Test
  void everyPropertyBindsFromItsEnvironmentVariable() throws IOException {
    // each value differs from its default (checked below), so a property that does not bind shows
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put("OUTBOX_RELAY_ENABLED", "true");
    variables.put("OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092");
    variables.put("OUTBOX_RELAY_KAFKA_PROPERTIES_COMPRESSION_TYPE", "zstd");
    variables.put("OUTBOX_RELAY_LANES", "32");
    variables.put("OUTBOX_RELAY_WORKERS", "4");
    variables.put("OUTBOX_RELAY_BATCH_SIZE", "250");
    variables.put("OUTBOX_RELAY_BATCH_BYTES", "16MB");
    variables.put("OUTBOX_RELAY_POLL_INTERVAL", "50ms");
    variables.put("OUTBOX_RELAY_SEND_TIMEOUT", "20s");
    variables.put("OUTBOX_RELAY_MAX_BLOCK", "3s");
    variables.put("OUTBOX_RELAY_MAX_ATTEMPTS", "7");
    variables.put("OUTBOX_RELAY_BACKOFF_INITIAL", "2s");
    variables.put("OUTBOX_RELAY_BACKOFF_MAX", "1m");
    variables.put("OUTBOX_RELAY_BACKOFF_MULTIPLIER", "3.0");
    variables.put("OUTBOX_RELAY_BACKOFF_JITTER", "0.5");
    variables.put("OUTBOX_RELAY_ON_ACK", "delete");
    variables.put("OUTBOX_RELAY_DEAD_LETTER_TOPIC", "orders.dlt");
    variables.put("OUTBOX_RELAY_LEASE_DURATION", "45s");
    variables.put("OUTBOX_RELAY_RETENTION", "2d");
    variables.put("OUTBOX_RELAY_DEAD_RETENTION", "60d");
    variables.put("OUTBOX_RELAY_PURGE_INTERVAL", "5m");
    variables.put("OUTBOX_RELAY_PURGE_BATCH_SIZE", "500");
    variables.put("OUTBOX_RELAY_CHECK_BACK_SOURCE", "http");
    variables.put("OUTBOX_RELAY_CHECK_BACK_URL", "http://orders:8080/outbox/check-back");
    variables.put("OUTBOX_RELAY_CHECK_BACK_AFTER", "1m");
    variables.put("OUTBOX_RELAY_CHECK_BACK_TRANSACTION_TIMEOUT", "10m");
    variables.put("OUTBOX_RELAY_CHECK_BACK_INTERVAL", "20s");
    variables.put("OUTBOX_RELAY_CHECK_BACK_BATCH_SIZE", "100");
    variables.put("OUTBOX_RELAY_CHECK_BACK_REQUEST_TIMEOUT", "5s");
    variables.put("OUTBOX_RELAY_CHECK_BACK_MAX_BACKOFF", "10m");
    variables.put("OUTBOX_RELAY_CHECK_BACK_DATASOURCE_URL", "jdbc:mysql://orders-db:3306/orders");
    variables.put("OUTBOX_RELAY_CHECK_BACK_DATASOURCE_USERNAME", "check-back");
    variables.put("OUTBOX_RELAY_CHECK_BACK_DATASOURCE_PASSWORD", "from-a-secret");
    variables.put("OUTBOX_RELAY_GAUGE_INTERVAL", "30s");
    variables.put("OUTBOX_RELAY_SHUTDOWN_TIMEOUT", "40s");
    variables.put("OUTBOX_RELAY_STALL_TIMEOUT", "3m");
    variables.put("OUTBOX_RELAY_INSTANCE_ID", "relay-7");

    OutboxRelayProperties properties = bindEnvironment(variables);
    RelaySettings settings = properties.toSettings();

    assertThat(settings)
        .isEqualTo(
            RelaySettings.builder()
                .kafkaBootstrapServers("kafka-1:9092,kafka-2:9092")
                .kafkaProperties(Map.of("compression.type", "zstd"))
                .lanes(32)
                .workers(4)
                .batchSize(250)
                .batchBytes(16L * 1024 * 1024)
                .pollInterval(Duration.ofMillis(50))
                .sendTimeout(Duration.ofSeconds(20))
                .maxBlock(Duration.ofSeconds(3))
                .maxAttempts(7)
                .backoff(
                    new RelaySettings.Backoff(
                        Duration.ofSeconds(2), Duration.ofMinutes(1), 3.0, 0.5))
                .onAck(RelaySettings.OnAck.DELETE)
                .deadLetterTopic("orders.dlt")
                .leaseDuration(Duration.ofSeconds(45))
                .retention(Duration.ofDays(2))
                .deadRetention(Duration.ofDays(60))
                .purge(new RelaySettings.Purge(Duration.ofMinutes(5), 500))
                .checkBack(
                    new RelaySettings.CheckBack(
                        RelaySettings.CheckBack.Source.HTTP,
                        URI.create("http://orders:8080/outbox/check-back"),
                        Duration.ofMinutes(1),
                        Duration.ofMinutes(10),
                        Duration.ofSeconds(20),
                        100,
                        Duration.ofSeconds(5),
                        Duration.ofMinutes(10)))
                .gaugeInterval(Duration.ofSeconds(30))
                .shutdownTimeout(Duration.ofSeconds(40))
                .stallTimeout(Duration.ofMinutes(3))
                .instanceId("relay-7")
                .build());
    assertThat(properties.enabled()).isTrue();
    assertThat(properties.checkBack().datasource())
        .isEqualTo(
            new OutboxRelayProperties.CheckBackDataSource(
                "jdbc:mysql://orders-db:3306/orders", "check-back", "from-a-secret"));
    // no setting left at its default ...
    RelaySettings defaults =
        bind(Map.of("outbox.relay.kafka.bootstrap-servers", "kafka:9092")).toSettings();
    assertThat(describe(settings)).doesNotContainAnyElementsOf(describe(defaults));
    // ... and no declared property left out of this test
    for (String property : declaredRelayProperties()) {
      String variable = property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
      assertThat(variables.keySet())
          .as("a variable for %s", property)
          .anyMatch(name -> name.equals(variable) || name.startsWith(variable + "_"));
    }
  }

  private static List<String> describe(RelaySettings settings) {
    return Arrays.asList(SettingChecks.describe("outbox.relay", settings).split(", "));
  }

  /** The {@code outbox.relay.*} properties of the generated IDE metadata. */
  private static List<String> declaredRelayProperties() throws IOException {
    List<String> names = new ArrayList<>();
    Enumeration<URL> files =
        OutboxRelayPropertiesTests.class
            .getClassLoader()
            .getResources("META-INF/spring-configuration-metadata.json");
    while (files.hasMoreElements()) {
      try (InputStream in = files.nextElement().openStream()) {
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        Matcher name =
            Pattern.compile("\\{\\s*\"name\":\\s*\"(outbox\\.relay\\.[^\"]+)\"")
                .matcher(json.substring(json.indexOf("\"properties\"")));
        while (name.find()) {
          names.add(name.group(1));
        }
      }
    }
    assertThat(names).as("outbox.relay.* in the generated metadata").hasSizeGreaterThan(30);
    return names;
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
    OutboxRelayProperties.CheckBackDataSource database = properties.checkBack().datasource();
    assertThat(database.url()).isEqualTo("jdbc:mysql://orders-db:3306/orders");
    assertThat(database.username()).isEqualTo("check-back");
    assertThat(database.password()).isEqualTo("from-a-secret");
    assertThat(overHttp.source()).isEqualTo(RelaySettings.CheckBack.Source.HTTP);
    assertThat(overHttp.url()).hasToString("http://orders:8080/outbox/check-back");
    assertThat(overHttp.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(overHttp.interval()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void withoutAnInstanceIdEachRelayGetsItsOwn() {
    OutboxRelayProperties properties =
        bind(Map.of("outbox.relay.kafka.bootstrap-servers", "kafka:9092"));

    assertThat(properties.toSettings().instanceId())
        .isNotEqualTo(properties.toSettings().instanceId())
        .contains("-" + ProcessHandle.current().pid() + "-");
  }

  @Test
  void theCheckBackPasswordIsNotPrinted() {
    assertThat(
            new OutboxRelayProperties.CheckBackDataSource(
                    "jdbc:mysql://orders-db:3306/orders", "check-back", "S3cret")
                .toString())
        .contains("jdbc:mysql://orders-db:3306/orders")
        .doesNotContain("S3cret");
  }

  @Test
  void aValueThatCannotBeConvertedFailsBindingNamingItsPropertyAndType() {
    // what outbox-core's SettingBindFailureAnalyzer turns into one line (InvalidSettingTests)
    assertBindFailure("OUTBOX_RELAY_ON_ACK", "outbox.relay.on-ack", RelaySettings.OnAck.class);
    assertBindFailure("OUTBOX_RELAY_BATCH_BYTES", "outbox.relay.batch-bytes", DataSize.class);
    assertBindFailure(
        "OUTBOX_RELAY_BACKOFF_INITIAL", "outbox.relay.backoff.initial", Duration.class);
    assertBindFailure(
        "OUTBOX_RELAY_CHECK_BACK_BATCH_SIZE", "outbox.relay.check-back.batch-size", int.class);
  }

  private static void assertBindFailure(String variable, String property, Class<?> type) {
    assertThatThrownBy(() -> bindEnvironment(Map.of(variable, "bogus")))
        .isInstanceOfSatisfying(
            BindException.class,
            e -> {
              assertThat(e.getName()).hasToString(property);
              assertThat(e.getTarget().getType().resolve()).isEqualTo(type);
            });
  }
}
