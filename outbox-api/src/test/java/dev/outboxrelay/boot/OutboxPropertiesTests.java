package dev.outboxrelay.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.config.SettingChecks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The Boot properties as Spring Boot binds them, through the constructor. Their defaults are
 * {@code @DefaultValue}s for the IDE metadata, and must equal {@link OutboxSettings#defaults()}.
 */
class OutboxPropertiesTests {

  private static OutboxProperties bindNothing() {
    return new Binder(new MapConfigurationPropertySource())
        .bindOrCreate("outbox", OutboxProperties.class);
  }

  @Test
  void bootPropertyDefaultsEqualTheSettingsRecordDefaults() {
    OutboxProperties properties = bindNothing();

    assertThat(properties.toSettings()).isEqualTo(OutboxSettings.defaults());
    assertThat(properties.enabled()).isTrue();
    assertThat(properties.messageStore().datasource())
        .isEqualTo(
            new OutboxProperties.DataSourceProperties(
                null, null, null, 10, Duration.ofSeconds(5), Duration.ofSeconds(10)));
    assertThat(properties.checkBackEndpoint())
        .isEqualTo(new OutboxProperties.CheckBackEndpoint(false, "/outbox/check-back"));
  }

  @Test
  void everyPropertyBindsFromItsEnvironmentVariable() throws IOException {
    // each value differs from its default (checked below), so a property that does not bind shows
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put("OUTBOX_ENABLED", "false");
    variables.put("OUTBOX_MODE", "message-store");
    variables.put("OUTBOX_DEFAULT_TOPIC", "points");
    variables.put("OUTBOX_MAX_PAYLOAD_BYTES", "2048");
    variables.put("OUTBOX_LANES", "8");
    variables.put("OUTBOX_KEY_ORDER", "insert");
    variables.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092");
    variables.put("OUTBOX_KAFKA_PROPERTIES_LINGER_MS", "2");
    variables.put("OUTBOX_FAST_PATH_ENABLED", "false");
    variables.put("OUTBOX_FAST_PATH_THREADS", "4");
    variables.put("OUTBOX_FAST_PATH_QUEUE_CAPACITY", "500");
    variables.put("OUTBOX_FAST_PATH_ACK_TIMEOUT", "3s");
    variables.put("OUTBOX_FAST_PATH_RELAY_DELAY", "2s");
    variables.put("OUTBOX_MESSAGE_STORE_DATASOURCE_URL", "jdbc:mysql://messages:3306/outbox");
    variables.put("OUTBOX_MESSAGE_STORE_DATASOURCE_USERNAME", "outbox");
    variables.put("OUTBOX_MESSAGE_STORE_DATASOURCE_PASSWORD", "from-a-secret");
    variables.put("OUTBOX_MESSAGE_STORE_DATASOURCE_MAXIMUM_POOL_SIZE", "4");
    variables.put("OUTBOX_MESSAGE_STORE_DATASOURCE_CONNECTION_TIMEOUT", "2s");
    variables.put("OUTBOX_MESSAGE_STORE_DATASOURCE_SOCKET_TIMEOUT", "20s");
    variables.put("OUTBOX_CHECK_BACK_ENDPOINT_ENABLED", "true");
    variables.put("OUTBOX_CHECK_BACK_ENDPOINT_PATH", "/internal/check-back");

    OutboxProperties properties =
        new Binder(
                ConfigurationPropertySources.from(
                    new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables)))
            .bindOrCreate("outbox", OutboxProperties.class);
    OutboxSettings settings = properties.toSettings();

    assertThat(settings)
        .isEqualTo(
            OutboxSettings.builder()
                .mode(OutboxSettings.Mode.MESSAGE_STORE)
                .defaultTopic("points")
                .maxPayloadBytes(2048)
                .lanes(8)
                .keyOrder(OutboxSettings.KeyOrder.INSERT)
                .kafkaBootstrapServers("kafka-1:9092,kafka-2:9092")
                .kafkaProperties(Map.of("linger.ms", "2"))
                .fastPathEnabled(false)
                .fastPathThreads(4)
                .fastPathQueueCapacity(500)
                .fastPathAckTimeout(Duration.ofSeconds(3))
                .fastPathRelayDelay(Duration.ofSeconds(2))
                .build());
    assertThat(properties.enabled()).isFalse();
    assertThat(properties.messageStore().datasource())
        .isEqualTo(
            new OutboxProperties.DataSourceProperties(
                "jdbc:mysql://messages:3306/outbox",
                "outbox",
                "from-a-secret",
                4,
                Duration.ofSeconds(2),
                Duration.ofSeconds(20)));
    assertThat(properties.checkBackEndpoint())
        .isEqualTo(new OutboxProperties.CheckBackEndpoint(true, "/internal/check-back"));
    // no setting left at its default ...
    assertThat(describe(settings)).doesNotContainAnyElementsOf(describe(OutboxSettings.defaults()));
    assertThat(properties.messageStore().datasource())
        .isNotEqualTo(bindNothing().messageStore().datasource());
    // ... and no declared property left out of this test
    for (String property : declaredProperties()) {
      String variable = property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
      assertThat(variables.keySet())
          .as("a variable for %s", property)
          .anyMatch(name -> name.equals(variable) || name.startsWith(variable + "_"));
    }
  }

  @Test
  void thePasswordIsNotPrinted() {
    assertThat(
            new OutboxProperties.DataSourceProperties(
                    "jdbc:mysql://messages:3306/outbox",
                    "outbox",
                    "S3cret",
                    4,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(20))
                .toString())
        .contains("jdbc:mysql://messages:3306/outbox")
        .doesNotContain("S3cret");
  }

  private static List<String> describe(OutboxSettings settings) {
    return Arrays.asList(SettingChecks.describe("outbox", settings).split(", "));
  }

  /** The {@code outbox.*} properties of the generated IDE metadata. */
  private static List<String> declaredProperties() throws IOException {
    try (InputStream in =
        OutboxPropertiesTests.class.getResourceAsStream(
            "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("generated by spring-boot-configuration-processor").isNotNull();
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> names = new ArrayList<>();
      Matcher name =
          Pattern.compile("\\{\\s*\"name\":\\s*\"(outbox\\.[^\"]+)\"")
              .matcher(json.substring(json.indexOf("\"properties\"")));
      while (name.find()) {
        names.add(name.group(1));
      }
      assertThat(names).as("outbox.* in the generated metadata").hasSizeGreaterThan(20);
      return names;
    }
  }
}
