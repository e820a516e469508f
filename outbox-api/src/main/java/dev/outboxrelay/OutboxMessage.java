package dev.outboxrelay;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A message to send: the Kafka topic, key, payload and headers, and the business reference {@code
 * (refType, refId)} that is unique per message (the business action that emits it). Build one with
 * {@link #builder(String)}; {@link Outbox#send} validates it.
 */
public final class OutboxMessage {
  private final String topic;
  private final @Nullable String key;
  private final byte[] payload;
  private final Map<String, String> headers;
  private final int refType;
  private final String refId;

  private OutboxMessage(Builder builder, byte[] payload, String refId) {
    this.topic = builder.topic;
    this.key = builder.key;
    this.payload = payload;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
    this.refType = builder.refType;
    this.refId = refId;
  }

  public static Builder builder(String topic) {
    return new Builder(topic);
  }

  public String topic() {
    return topic;
  }

  /** The Kafka key; {@code null} for none. Messages with one key are published in send order. */
  public @Nullable String key() {
    return key;
  }

  public byte[] payload() {
    return payload;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public int refType() {
    return refType;
  }

  public String refId() {
    return refId;
  }

  @Override
  public String toString() {
    // No payload or header values: they may hold personal data (logs, exception messages).
    return "OutboxMessage[topic="
        + topic
        + ", refType="
        + refType
        + ", refId="
        + refId
        + ", payloadBytes="
        + payload.length
        + ", headers="
        + headers.keySet()
        + "]";
  }

  /** Builds an {@link OutboxMessage}; validation happens in {@link Outbox#send}. */
  public static final class Builder {
    private final String topic;
    private @Nullable String key;
    private byte @Nullable [] payload;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private int refType;
    private @Nullable String refId;

    private Builder(String topic) {
      this.topic = topic;
    }

    /** The Kafka key, at most 255 characters; {@code null} (the default) for none. */
    public Builder key(@Nullable String key) {
      this.key = key;
      return this;
    }

    public Builder payload(byte[] payload) {
      this.payload = payload;
      return this;
    }

    /** The payload as UTF-8 text. */
    public Builder payload(String payload) {
      this.payload = payload == null ? null : payload.getBytes(StandardCharsets.UTF_8);
      return this;
    }

    public Builder header(String name, String value) {
      this.headers.put(name, value);
      return this;
    }

    public Builder headers(Map<String, String> headers) {
      this.headers.putAll(headers);
      return this;
    }

    /** The business reference, unique per message: e.g. {@code (ORDER_PLACED, "order-42")}. */
    public Builder reference(int refType, String refId) {
      this.refType = refType;
      this.refId = refId;
      return this;
    }

    /**
     * The message; {@link Outbox#send} validates the rest (sizes, names, characters).
     *
     * @throws IllegalArgumentException when no payload or no business reference was given
     */
    public OutboxMessage build() {
      if (payload == null) {
        throw new IllegalArgumentException("payload must not be null (use an empty payload)");
      }
      if (refId == null) {
        throw new IllegalArgumentException(
            "refId must not be blank: give the message its business reference with"
                + " reference(refType, refId)");
      }
      return new OutboxMessage(this, payload, refId);
    }
  }
}
