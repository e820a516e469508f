package dev.outboxrelay.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * A value of an {@code outbox.*} property that Spring Boot cannot even convert (a word where a
 * number or a duration belongs, an unknown option) reported as one line in the words of {@link
 * InvalidSettingException}, e.g. {@code outbox.relay.on-ack must be one of mark-sent, delete, was
 * 'bogus'}, ahead of Boot's generic multi-line binding report. Other properties are left to Boot.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class SettingBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

  @Override
  protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
    String property = cause.getName().toString();
    if (!property.startsWith("outbox.")) {
      return null;
    }
    ConfigurationProperty bound = cause.getProperty();
    String value = bound == null ? "" : String.valueOf(bound.getValue());
    InvalidSettingException bad =
        new InvalidSettingException(
            property, expected(cause.getTarget().getType().resolve()) + ", was '" + value + "'");
    return new FailureAnalysis(
        bad.getMessage(),
        "Correct the setting "
            + property
            + " (environment variable "
            + bad.environmentVariable()
            + ") and start again.",
        cause);
  }

  static String expected(@Nullable Class<?> type) {
    if (type == null) {
      return "has a value that cannot be read";
    }
    if (type.isEnum()) {
      return "must be one of "
          + Arrays.stream(type.getEnumConstants())
              .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-'))
              .collect(Collectors.joining(", "));
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "must be a whole number";
    }
    if (type == double.class || type == Double.class) {
      return "must be a number such as 2.0";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "must be true or false";
    }
    if (type == Duration.class) {
      return "must be a duration such as 100ms, 30s, 5m, 2h or 7d";
    }
    if (type.getName().equals("org.springframework.util.unit.DataSize")) {
      return "must be a size such as 64KB, 8MB or 1GB";
    }
    return "cannot be read as " + type.getSimpleName();
  }
}
