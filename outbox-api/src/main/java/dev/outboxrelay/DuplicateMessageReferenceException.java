package dev.outboxrelay;

import org.springframework.dao.DuplicateKeyException;

/**
 * A message with this business reference {@code (refType, refId)} was already written: each
 * business action emits one message. Nothing was written by the failed {@code send}; the caller's
 * transaction, if any, is still usable.
 */
public class DuplicateMessageReferenceException extends DuplicateKeyException {
  private final int refType;
  private final String refId;

  public DuplicateMessageReferenceException(int refType, String refId, Throwable cause) {
    super(
        "a message for reference (refType="
            + refType
            + ", refId='"
            + refId
            + "') was already written: t_msg_order(ref_type, ref_id) is unique, one message per"
            + " business action",
        cause);
    this.refType = refType;
    this.refId = refId;
  }

  public int refType() {
    return refType;
  }

  public String refId() {
    return refId;
  }
}
