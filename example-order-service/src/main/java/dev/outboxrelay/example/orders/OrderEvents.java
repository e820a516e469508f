package dev.outboxrelay.example.orders;

/** Publishes "order placed" events: one implementation per {@link Publishing} strategy. */
interface OrderEvents {

  /**
   * Runs in the order's transaction, after its row was written.
   *
   * @return the outbox message id of the event, or {@code null} when it is not in the outbox
   * @throws EventNotPublishedException if the strategy publishes here and Kafka did not ack: the
   *     transaction rolls back
   */
  Long inTransaction(OrderPlaced event);

  /** Runs after the order's transaction committed. Never throws. */
  void afterCommit(OrderPlaced event);
}
