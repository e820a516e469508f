package dev.outboxrelay.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The relay's declared settings: the {@code outbox.relay.*} properties of the metadata that
 * spring-boot-configuration-processor writes into the outbox-relay jar.
 */
final class RelaySettingsMetadata {
  /**
   * Settings the chart sets itself, never from {@code relay:} values: the check-back's database
   * comes from {@code checkBack.database}, its password through a Secret.
   */
  static final Set<String> SET_BY_THE_CHART =
      Set.of(
          "outbox.relay.enabled",
          "outbox.relay.kafka.bootstrap-servers",
          "outbox.relay.kafka.properties",
          "outbox.relay.instance-id",
          "outbox.relay.check-back.datasource.url",
          "outbox.relay.check-back.datasource.username",
          "outbox.relay.check-back.datasource.password");

  private static final JsonNode PROPERTIES = read();

  private RelaySettingsMetadata() {}

  static List<String> names() {
    List<String> names = new ArrayList<>();
    PROPERTIES.forEach(
        property -> {
          String name = property.get("name").asText();
          if (name.startsWith("outbox.relay.")) {
            names.add(name);
          }
        });
    return names;
  }

  /** The declared default of a duration setting, e.g. {@code 20s}. */
  static Duration defaultDuration(String name) {
    for (JsonNode property : PROPERTIES) {
      if (property.get("name").asText().equals(name)) {
        String value = property.get("defaultValue").asText();
        java.util.regex.Matcher simple =
            java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(value);
        if (!simple.matches()) {
          throw new AssertionError(name + " has a default this test does not read: " + value);
        }
        long amount = Long.parseLong(simple.group(1));
        return switch (simple.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        };
      }
    }
    throw new AssertionError("no declared setting " + name);
  }

  /**
   * Whether environment variable {@code variable} binds to a declared setting, as Spring Boot binds
   * {@code OUTBOX_RELAY_BATCH_SIZE} to {@code outbox.relay.batch-size}; a map setting ({@code
   * kafka.properties}) takes any key below it.
   */
  static boolean bindsTo(String variable) {
    for (String name : names()) {
      // Spring Boot's environment forms: dots become underscores, dashes are dropped
      // (OUTBOX_RELAY_BATCHSIZE) or, in its legacy form, underscores too (OUTBOX_RELAY_BATCH_SIZE)
      String upper = name.toUpperCase(Locale.ROOT).replace('.', '_');
      String canonical = upper.replace("-", "");
      String legacy = upper.replace('-', '_');
      if (name.equals("outbox.relay.kafka.properties")
          ? variable.startsWith(canonical + "_")
          : variable.equals(canonical) || variable.equals(legacy)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode read() {
    try (InputStream metadata =
        RelaySettingsMetadata.class.getResourceAsStream(
            "/META-INF/spring-configuration-metadata.json")) {
      if (metadata == null) {
        throw new IllegalStateException("no configuration metadata in the outbox-relay jar");
      }
      return new ObjectMapper().readTree(metadata).get("properties");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
