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
 * #send} prepares it inside the business transaction (approach 4); {@link #prepare} before it, and
 * {@link #enlist} then records it in the business transaction (approach 5). A confirmation or
 * cancellation that fails (the process dies, the message database is away) leaves the message
 * PREPARED; the relay's check-back then asks the business database, or the service's check-back
 * endpoint, whether the transaction committed.
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
   * Message-store mode, before the business transaction (the article's approach 5): writes {@code
   * message} PREPARED in a short transaction of its own on the message database, with a new global
   * business message id. Pass the result to {@link #enlist} inside the business transaction. A
   * prepared message never enlisted, or enlisted in a transaction that rolls back, is cancelled (by
   * the relay's check-back, after {@code outbox.relay.check-back.transaction-timeout}, when nobody
   * cancelled it before); until then it holds back later messages of its key.
   *
   * @return the prepared message: its id, business message id and reference
   * @throws IllegalArgumentException if a field is invalid (see {@link #send}); nothing is written
   * @throws IllegalStateException in same-database mode
   * @throws org.springframework.dao.DataAccessException if the message database fails the write,
   *     which then wrote nothing
   */
  PreparedMessage prepare(OutboxMessage message);

  /**
   * Message-store mode: records {@code message} (from {@link #prepare}) in the caller's transaction
   * ({@code t_msg_order} with its business message id); the message is confirmed after that
   * transaction commits, cancelled after it rolls back. Outside a transaction: commits {@code
   * t_msg_order} in a short transaction of its own and confirms the message.
   *
   * @return the message id
   * @throws DuplicateMessageReferenceException if the message's reference already has a message;
   *     the prepared message is cancelled, and the caller's transaction stays usable
   * @throws IllegalStateException in same-database mode, or when the active transaction does not
   *     manage the outbox's business DataSource
   * @throws org.springframework.dao.DataAccessException if the business database fails the write
   *     (as for {@link #send})
   */
  long enlist(PreparedMessage message);

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
