package dev.outboxrelay.example.orders;

/**
 * How the order service publishes its "order placed" events ({@code orders.publishing}). Only
 * {@link #OUTBOX} is safe; the other two are the article's approaches 1 and 2, kept to show how
 * they fail.
 */
public enum Publishing {
  /** Approach 3: the event is written to the outbox in the order's transaction. */
  OUTBOX,
  /**
   * Approach 1: sent to Kafka inside the transaction, waiting for the ack. Kafka down fails the
   * order; a commit that fails after the send leaves a published event for an order that does not
   * exist.
   */
  IN_TRANSACTION,
  /**
   * Approach 2: sent to Kafka after the commit. Kafka down, or a crash between commit and send,
   * loses the event of a committed order.
   */
  AFTER_COMMIT
}
