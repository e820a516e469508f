package dev.outboxrelay.config;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
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
   * A size in bytes.
   *
   * @throws InvalidSettingException unless {@code min <= value <= max}
   */
  public static long bytes(String property, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidSettingException(
          property,
          "must be between "
              + formatBytes(min)
              + " and "
              + formatBytes(max)
              + ", was "
              + formatBytes(value));
    }
    return value;
  }

  /** {@code 8388608} → {@code 8MB}, as Spring's {@code DataSize} writes it; else bytes. */
  public static String formatBytes(long bytes) {
    for (String unit : new String[] {"GB", "MB", "KB"}) {
      long factor = unit.equals("GB") ? 1L << 30 : unit.equals("MB") ? 1L << 20 : 1L << 10;
      if (bytes != 0 && bytes % factor == 0) {
        return bytes / factor + unit;
      }
    }
    return bytes + "B";
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

  /**
   * A settings record as its properties, for the log line of the effective configuration: {@code
   * prefix.kebab-name=value, ...}, nested records under their own name, durations as {@link
   * #format}, enums as {@code mark-sent}, maps of producer properties through {@link #maskSecrets}.
   */
  public static String describe(String prefix, Record settings) {
    StringJoiner out = new StringJoiner(", ");
    describe(out, prefix, settings);
    return out.toString();
  }

  private static void describe(StringJoiner out, String prefix, Record settings) {
    for (RecordComponent component : settings.getClass().getRecordComponents()) {
      Object value;
      try {
        value = component.getAccessor().invoke(settings);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + component, e);
      }
      String name = prefix + "." + kebab(component.getName());
      if (value instanceof Record nested) {
        describe(out, name, nested);
      } else if (value instanceof Map<?, ?> map) {
        Map<String, String> properties = new TreeMap<>();
        map.forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
        out.add(name + "=" + maskSecrets(properties));
      } else if (value instanceof Long size && component.getName().endsWith("Bytes")) {
        out.add(name + "=" + formatBytes(size));
      } else if (value instanceof Duration duration) {
        out.add(name + "=" + format(duration));
      } else if (value instanceof Enum<?> constant) {
        out.add(name + "=" + kebab(constant.name().toLowerCase(Locale.ROOT).replace('_', '-')));
      } else {
        out.add(name + "=" + (value == null ? "" : value));
      }
    }
  }

  /** {@code maxPayloadBytes} → {@code max-payload-bytes}. */
  static String kebab(String camelCase) {
    StringBuilder out = new StringBuilder(camelCase.length() + 4);
    for (int i = 0; i < camelCase.length(); i++) {
      char c = camelCase.charAt(i);
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * @throws InvalidSettingException if {@code properties} holds a null name or value
   */
  public static Map<String, String> noNulls(
      String property, @Nullable Map<String, String> properties) {
    if (properties == null) {
      return Map.of();
    }
    properties.forEach(
        (name, value) -> {
          if (name == null || value == null) {
            throw new InvalidSettingException(
                property + "." + name, "must have a value (null is not a producer setting)");
          }
        });
    return properties;
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
   * suggests a credential (password, secret, jaas, token, credential, user.info, basic.auth, key
   * other than a serializer) replaced by {@code ******}.
   */
  public static Map<String, String> maskSecrets(Map<String, String> properties) {
    Map<String, String> masked = new TreeMap<>();
    properties.forEach((name, value) -> masked.put(name, isSecret(name) ? MASK : value));
    return masked;
  }

  /**
   * Whether a producer property of this name holds a credential (password, JAAS configuration,
   * token, secret, key...): its value is never logged nor put in a message.
   */
  public static boolean isSecret(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.contains("password")
        || lower.contains("user.info")
        || lower.contains("basic.auth")
        || lower.contains("secret")
        || lower.contains("jaas")
        || lower.contains("token")
        || lower.contains("credential")
        || (lower.contains("key") && !lower.contains("serializer"));
  }
}
