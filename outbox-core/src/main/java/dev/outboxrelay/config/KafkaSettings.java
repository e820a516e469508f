package dev.outboxrelay.config;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code kafka} part of the outbox's ({@code outbox.kafka.*}) and the relay's ({@code
 * outbox.relay.kafka.*}) settings: where the cluster is and how to reach it. Its {@link
 * #toString()} masks credentials, so settings that hold it can be logged.
 *
 * @param bootstrapServers {@code bootstrap-servers}: {@code host:port[,host:port...]}; null when
 *     none is set (blank counts as none): the fast path is then off, the relay refuses to start
 * @param properties {@code properties.*}: further producer settings (TLS, SASL, compression, ...),
 *     passed through as given; never null
 */
public record KafkaSettings(@Nullable String bootstrapServers, Map<String, String> properties) {
  /** No cluster. */
  public static final KafkaSettings NONE = new KafkaSettings(null, Map.of());

  public KafkaSettings {
    bootstrapServers = SettingChecks.blankToNull(bootstrapServers);
    properties = Map.copyOf(properties == null ? Map.of() : properties);
  }

  @Override
  public String toString() {
    return "KafkaSettings[bootstrapServers="
        + bootstrapServers
        + ", properties="
        + SettingChecks.maskSecrets(properties)
        + "]";
  }
}
