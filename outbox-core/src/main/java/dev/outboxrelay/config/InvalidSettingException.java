package dev.outboxrelay.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A setting of the outbox ({@code outbox.*}) or of the relay ({@code outbox.relay.*}) that failed
 * validation. The message is one line that starts with the property's name and says what is
 * allowed, e.g. {@code outbox.relay.batch-size must be between 1 and 10000, was 0}; nothing was
 * started or written.
 */
public class InvalidSettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String property;

  /**
   * @param property the full property name, e.g. {@code outbox.relay.batch-size}
   * @param problem what is wrong and what is allowed, without the property name
   */
  public InvalidSettingException(String property, String problem) {
    super(Objects.requireNonNull(property, "property") + " " + problem);
    this.property = property;
  }

  /** The full property name, e.g. {@code outbox.relay.batch-size}. */
  public String property() {
    return property;
  }

  /**
   * The environment variable Spring Boot binds to {@link #property()}, as its documentation writes
   * it: {@code outbox.relay.batch-size} is {@code OUTBOX_RELAY_BATCH_SIZE}.
   */
  public String environmentVariable() {
    return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
