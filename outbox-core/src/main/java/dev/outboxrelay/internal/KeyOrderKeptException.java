package dev.outboxrelay.internal;

/**
 * A row Kafka acknowledged after an earlier row of its key in the same round failed or was left in
 * flight (docs/design.md, "Per-key order within a round"). Its record is on the topic, ahead of the
 * earlier one's: recorded as sent, it would stay the key's last record once the earlier one is
 * published again. It stays PENDING instead and is published again after the earlier row: a
 * duplicate, but the key's last records keep their order.
 */
public class KeyOrderKeptException extends LeftForNextRoundException {
  private static final long serialVersionUID = 1L;

  /**
   * @param earlierId {@code t_msg.id} of the key's earlier row that was not acknowledged
   */
  public KeyOrderKeptException(long earlierId) {
    super(
        "acknowledged after message id="
            + earlierId
            + " of its key was not: published again after it, to keep the key's order");
  }
}
