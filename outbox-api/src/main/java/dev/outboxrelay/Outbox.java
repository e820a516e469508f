package dev.outboxrelay;

/**
 * Sends a message through the transactional outbox.
 *
 * <p>Inside a Spring transaction, {@link #send} writes the business reference ({@code t_msg_order})
 * and the message ({@code t_msg}) in that transaction: the message exists if and only if the
 * transaction commits, and after the commit the fast path (if configured) publishes it at once;
 * otherwise the relay does. Outside a transaction, {@code send} commits both rows in a short
 * transaction of its own and hands the message to the fast path.
 */
public interface Outbox {

  /**
   * Writes {@code message} to the outbox and returns its id ({@code t_msg.id}, also the {@code
   * outbox-id} Kafka header). Nothing is written if the message is invalid.
   *
   * @throws IllegalArgumentException if a field is invalid; the message names the field, the
   *     problem and the limit
   * @throws DuplicateMessageReferenceException if a message with the same {@code (refType, refId)}
   *     was already written
   * @throws IllegalStateException on a misuse, before anything is written: the active transaction
   *     does not manage the outbox's DataSource, or (with {@code outbox.key-order=commit}) an outer
   *     transaction of this thread holds the message's key
   * @throws org.springframework.dao.DataAccessException if the database fails the write inside the
   *     caller's transaction ({@code CannotAcquireLockException} for a deadlock or lock wait
   *     timeout, else {@code TransactionSystemException}): the caller's transaction is then marked
   *     rollback-only and nothing of it commits; retry the whole transaction. Outside a
   *     transaction, the failure of the message's own short transaction, which wrote nothing.
   */
  long send(OutboxMessage message);

  /**
   * Reads where message {@code messageId} (an id {@link #send} returned) stands, without locking
   * it; outside a transaction, or in the caller's.
   *
   * @return the status, or empty when there is no such message: its transaction never committed, or
   *     the row was removed after delivery (relay with {@code on-ack=delete}, or purged after the
   *     retention)
   */
  java.util.Optional<DeliveryStatus> deliveryStatus(long messageId);
}
