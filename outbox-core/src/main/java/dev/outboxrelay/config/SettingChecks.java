package dev.outboxrelay.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The checks the settings records of {@code outbox-api} and {@code outbox-relay} run on their
 * fields. Each throws {@link InvalidSettingException} naming the full property. Not an API.
 */
public final class SettingChecks {
  private static final String MASK = "******";

  private SettingChecks() {}

  /**
   * @throws InvalidSettingException unless {@code min <= value <= max}
   */
  public static int range(String property, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidSettingException(
          property, "must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /**
   * @throws InvalidSettingException unless {@code min <= value <= max}; NaN is outside
   */
  public static double range(String property, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new InvalidSettingException(
          property, "must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /**
   * @throws InvalidSettingException unless {@code value} is set and {@code min <= value <= max}
   */
  public static Duration range(
      String property, @Nullable Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidSettingException(
          property,
          "must be between "
              + format(min)
              + " and "
              + format(max)
              + ", was "
              + (value == null ? "not set" : format(value)));
    }
    return value;
  }

  /**
   * @throws InvalidSettingException if {@code value} is null
   */
  public static <T> T required(String property, @Nullable T value, String allowed) {
    if (value == null) {
      throw new InvalidSettingException(property, "must be set (" + allowed + ")");
    }
    return value;
  }

  /** {@code value}, or null when it is null or blank: an empty property means "not set". */
  public static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /** A duration as a property would be written: 100ms, 30s, 5m, 2h, 7d. */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0 || millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds % 60 != 0) {
      return seconds + "s";
    }
    if (seconds % 3600 != 0) {
      return seconds / 60 + "m";
    }
    return seconds % 86400 != 0 ? seconds / 3600 + "h" : seconds / 86400 + "d";
  }

  /**
   * Producer properties as they may be logged: sorted, with the value of every property whose name
   * suggests a credential (password, secret, jaas, token, credential, key other than a serializer)
   * replaced by {@code ******}.
   */
  public static Map<String, String> maskSecrets(Map<String, String> properties) {
    Map<String, String> masked = new TreeMap<>();
    properties.forEach((name, value) -> masked.put(name, isSecret(name) ? MASK : value));
    return masked;
  }

  static boolean isSecret(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.contains("password")
        || lower.contains("secret")
        || lower.contains("jaas")
        || lower.contains("token")
        || lower.contains("credential")
        || (lower.contains("key") && !lower.contains("serializer"));
  }
}
