package dev.outboxrelay;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The article's facade: {@code send(msg, refType, refId)} writes a text message on the default
 * topic ({@code outbox.default-topic}), in the current transaction if there is one, else in its own
 * and delivered at once. See {@link Outbox} for the full API.
 */
public class MsgSender {
  private final Outbox outbox;
  private final @Nullable String defaultTopic;

  /**
   * @param defaultTopic the topic of every message; may be {@code null}, in which case {@link
   *     #send} fails with an error that says which property to set
   */
  public MsgSender(Outbox outbox, @Nullable String defaultTopic) {
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.defaultTopic = defaultTopic;
  }

  /** The topic of every message, or null when none is configured. */
  @Nullable String defaultTopic() {
    return defaultTopic;
  }

  /**
   * Sends {@code msg} (UTF-8 text) for the business reference {@code (refType, refId)}.
   *
   * @return the message id
   * @throws DuplicateMessageReferenceException if that reference already has a message
   * @throws IllegalArgumentException if the message is invalid (see {@link Outbox#send})
   * @throws IllegalStateException if no default topic is configured
   */
  public long send(String msg, int refType, String refId) {
    if (defaultTopic == null) {
      throw new IllegalStateException(
          "MsgSender needs a topic: set outbox.default-topic (or OutboxSettings.defaultTopic)");
    }
    return outbox.send(
        OutboxMessage.builder(defaultTopic).payload(msg).reference(refType, refId).build());
  }
}
