package dev.outboxrelay.internal;

/** The values of {@code t_msg.status}; the first three are the article's own numbers. */
public enum MessageStatus {
  PENDING(0),
  SENT(1),
  CANCELLED(2),
  DEAD(3),
  PREPARED(4);

  private final int code;

  MessageStatus(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /**
   * @throws IllegalArgumentException if {@code code} is none of these statuses' codes
   */
  public static MessageStatus ofCode(int code) {
    for (MessageStatus status : values()) {
      if (status.code == code) {
        return status;
      }
    }
    throw new IllegalArgumentException("unknown t_msg.status " + code);
  }
}
