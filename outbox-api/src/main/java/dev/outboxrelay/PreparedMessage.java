package dev.outboxrelay;

import java.util.Objects;

/**
 * A message written PREPARED to the message store by {@link MessageStoreOutbox#prepare}
 * (message-store mode, the article's approach 5), before its business transaction: {@link
 * MessageStoreOutbox#enlist} then records it in that transaction, which decides whether it is
 * published.
 *
 * @param messageId {@code t_msg.id}, the row id {@link Outbox#deliveryStatus} takes (the {@code
 *     outbox-id} Kafka header is the message's global {@code t_msg.msg_id})
 * @param busMsgId the global business message id ({@code bus_msg_id}), a random UUID; the business
 *     transaction records it in {@code t_msg_order}, where the relay's check-back looks for it
 * @param refType the message's business reference type
 * @param refId the message's business reference id
 */
public record PreparedMessage(long messageId, String busMsgId, int refType, String refId) {

  /**
   * @throws NullPointerException if {@code busMsgId} or {@code refId} is null
   * @throws IllegalArgumentException if {@code busMsgId} is blank or longer than 64 characters, or
   *     {@code refId} is not one {@code send} accepts (blank, over 128 characters, or ending with a
   *     space)
   */
  public PreparedMessage {
    Objects.requireNonNull(busMsgId, "busMsgId");
    Objects.requireNonNull(refId, "refId");
    if (busMsgId.isBlank() || busMsgId.length() > 64) {
      throw new IllegalArgumentException("busMsgId must have 1 to 64 characters, not blank");
    }
    MessageValidator.checkRefId(refId);
  }
}
