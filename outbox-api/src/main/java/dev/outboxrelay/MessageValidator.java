package dev.outboxrelay;

import dev.outboxrelay.internal.HeadersJson;
import dev.outboxrelay.internal.KafkaRecords;
import dev.outboxrelay.internal.TopicNames;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Checks a message at the edge, before anything is written: each failure names the field, what is
 * wrong and the limit. The limits are the column sizes of {@code sql/mysql/V1__outbox.sql} and
 * Kafka's topic-name rules, so a valid message is never cut short or refused by the database.
 */
final class MessageValidator {
  static final int MAX_KEY_LENGTH = 255;
  static final int MAX_REF_ID_LENGTH = 128;
  static final int MAX_HEADER_NAME_LENGTH = 255;
  static final int MAX_HEADERS_BYTES = 65_535;

  private MessageValidator() {}

  /** Validates {@code message}; returns its headers as the JSON stored in {@code t_msg}. */
  static @Nullable String validate(OutboxMessage message, int maxPayloadBytes, int maxRecordBytes) {
    if (message == null) {
      throw new IllegalArgumentException("message must not be null");
    }
    checkTopic("topic", message.topic());
    if (message.key() != null && message.key().length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "key is "
              + message.key().length()
              + " characters long; at most "
              + MAX_KEY_LENGTH
              + " are allowed");
    }
    if (message.key() != null) {
      checkNoTrailingSpace("key", message.key());
    }
    if (message.payload().length > maxPayloadBytes) {
      throw new IllegalArgumentException(
          "payload is "
              + message.payload().length
              + " bytes; at most "
              + maxPayloadBytes
              + " are allowed (outbox.max-payload-bytes)");
    }
    @Nullable String headersJson = checkHeaders(message.headers());
    String refId = message.refId();
    checkRefId(refId);
    int recordBytes =
        KafkaRecords.sizeUpperBound(message.key(), message.payload(), message.headers(), refId);
    if (recordBytes > maxRecordBytes) {
      throw new IllegalArgumentException(
          "message takes up to "
              + recordBytes
              + " bytes as a Kafka record (payload, key, headers and the outbox's own headers,"
              + " with room for a dead-letter copy); at most "
              + maxRecordBytes
              + " are allowed: the producers' max.request.size (outbox.kafka.properties."
              + "max.request.size, Kafka's default 1048576)");
    }
    return headersJson;
  }

  /**
   * The outbox's columns compare with MySQL's and MariaDB's PAD SPACE collations, for which {@code
   * "order-42"} and {@code "order-42 "} are equal, while Java, the lane hash and Kafka tell them
   * apart: a value ending in a space would collide with another reference, or share the ordering of
   * another key, without anyone saying so. Refused instead, before anything is written.
   */
  /**
   * @throws IllegalArgumentException if {@code refId} is blank, too long or ends with a space
   */
  static void checkRefId(String refId) {
    if (refId == null || refId.isBlank()) {
      throw new IllegalArgumentException(
          "refId must not be blank: it names the business action that emits the message");
    }
    if (refId.length() > MAX_REF_ID_LENGTH) {
      throw new IllegalArgumentException(
          "refId is "
              + refId.length()
              + " characters long; at most "
              + MAX_REF_ID_LENGTH
              + " are allowed");
    }
    checkNoTrailingSpace("refId", refId);
  }

  private static void checkNoTrailingSpace(String field, String value) {
    if (!value.isEmpty() && value.charAt(value.length() - 1) == ' ') {
      throw new IllegalArgumentException(
          field
              + " must not end with a space: the database compares '"
              + shorten(value.stripTrailing())
              + "' and '"
              + shorten(value)
              + "' as equal; trim it or end it otherwise");
    }
  }

  private static String shorten(String value) {
    return value.length() <= 40 ? value : value.substring(0, 37) + "...";
  }

  /** Kafka's rules for a topic name ({@link TopicNames}). */
  static void checkTopic(String field, String topic) {
    String problem = TopicNames.problem(topic);
    if (problem != null) {
      throw new IllegalArgumentException(field + " " + problem);
    }
  }

  private static @Nullable String checkHeaders(Map<String, String> headers) {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      String name = header.getKey();
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("header names must not be null or empty");
      }
      if (name.length() > MAX_HEADER_NAME_LENGTH) {
        throw new IllegalArgumentException(
            "header name '"
                + name.substring(0, 32)
                + "...' is "
                + name.length()
                + " characters long; at most "
                + MAX_HEADER_NAME_LENGTH
                + " are allowed");
      }
      if (name.startsWith(KafkaRecords.RESERVED_PREFIX)) {
        throw new IllegalArgumentException(
            "header '"
                + name
                + "' is reserved: the outbox sets the headers starting with '"
                + KafkaRecords.RESERVED_PREFIX
                + "'");
      }
      if (header.getValue() == null) {
        throw new IllegalArgumentException("header '" + name + "' must not have a null value");
      }
    }
    String json = HeadersJson.encode(headers);
    int bytes = json == null ? 0 : json.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_HEADERS_BYTES) {
      throw new IllegalArgumentException(
          "headers take "
              + bytes
              + " bytes as JSON; at most "
              + MAX_HEADERS_BYTES
              + " are allowed");
    }
    return json;
  }
}
