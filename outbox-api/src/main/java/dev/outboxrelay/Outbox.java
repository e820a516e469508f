package dev.outboxrelay;

/**
 * Sends a message through the transactional outbox.
 *
 * <p>Inside a Spring transaction, {@link #send} writes the business reference ({@code t_msg_order})
 * and the message ({@code t_msg}) in that transaction: the message exists if and only if the
 * transaction commits, and after the commit the fast path (if configured) publishes it at once;
 * otherwise the relay does. Outside a transaction, {@code send} commits both rows in a short
 * transaction of its own and hands the message to the fast path.
 *
 * <p>In message-store mode ({@code outbox.mode=message-store}, the article's approaches 4 and 5)
 * the message is written to a message database of its own, PREPARED, and confirmed or cancelled
 * after the business transaction; {@code t_msg_order} stays in the business transaction. {@link
 * #send} prepares it inside the business transaction (approach 4); {@link MessageStoreOutbox} adds
 * {@code prepare} before it and {@code enlist} in it (approach 5). A confirmation or cancellation
 * that fails (the process dies, the message database is away) leaves the message PREPARED; the
 * relay's check-back then asks the business database, or the service's check-back endpoint, whether
 * the transaction committed.
 *
 * <p>The outbox bean is an {@code Outbox} in both modes; in message-store mode it is also a {@link
 * MessageStoreOutbox}.
 */
public interface Outbox {

  /**
   * Writes {@code message} to the outbox and returns its row id ({@code t_msg.id}, for {@link
   * #deliveryStatus}). The Kafka record's {@code outbox-id} header is another id, the message's
   * globally unique {@code t_msg.msg_id} (a UUIDv7 generated here), on which consumers dedupe.
   * Nothing is written if the message is invalid.
   *
   * <p>Message-store mode: writes {@code t_msg_order} in the caller's transaction, then the message
   * PREPARED in a short transaction of its own on the message database (the article's approach 4);
   * it is confirmed after the caller's transaction commits, cancelled after it rolls back. Outside
   * a transaction: prepares, commits {@code t_msg_order} in a short transaction, and confirms.
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
   *     Message-store mode: also when the message database fails the prepare; the caller's
   *     transaction is then marked rollback-only ({@code TransactionSystemException}): with the
   *     message store away the business call fails, approach 4's known cost.
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
