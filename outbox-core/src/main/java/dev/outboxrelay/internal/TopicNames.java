package dev.outboxrelay.internal;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Kafka's rules for a topic name (as {@code org.apache.kafka.common.internals.Topic} checks them):
 * 1 to 249 of ASCII letters, digits, {@code .}, {@code _} and {@code -}, and not {@code .} or
 * {@code ..}. Checked where a topic enters: {@code send}, the default topic, the dead-letter topic.
 */
public final class TopicNames {
  /** The longest topic name Kafka accepts. */
  public static final int MAX_LENGTH = 249;

  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

  private TopicNames() {}

  /**
   * What is wrong with {@code topic} as a Kafka topic name, to follow the name of the field or
   * property that holds it; null when it is legal.
   */
  public static @Nullable String problem(@Nullable String topic) {
    if (topic == null || topic.isEmpty()) {
      return "must not be empty";
    }
    if (topic.length() > MAX_LENGTH) {
      return "is " + topic.length() + " characters long; Kafka allows at most " + MAX_LENGTH;
    }
    if (topic.equals(".") || topic.equals("..")) {
      return "must not be '.' or '..'";
    }
    if (!LEGAL.matcher(topic).matches()) {
      return "'"
          + topic
          + "' is not a legal Kafka topic name: use only ASCII letters, digits, '.', '_' and '-'";
    }
    return null;
  }
}
