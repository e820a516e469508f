package dev.outboxrelay;

/**
 * Where a message stands on its way to Kafka, as {@link Outbox#deliveryStatus(long)} reports it.
 * The names are those of the outbox's {@code t_msg.status} column (see {@code
 * sql/mysql/V1__outbox.sql}).
 */
public enum DeliveryStatus {
  /** Committed, not yet acknowledged by Kafka: the fast path or the relay will publish it. */
  PENDING,
  /** Acknowledged by Kafka (acks=all). */
  SENT,
  /** Will never be published (message-store mode: its business transaction rolled back). */
  CANCELLED,
  /**
   * Given up: not publishable (too large, invalid topic, not authorized) or out of attempts; the
   * relay's {@code last_error} column says why. Only an operator brings it back.
   */
  DEAD,
  /** Message-store mode: written, waiting for its business transaction to confirm or cancel it. */
  PREPARED
}
