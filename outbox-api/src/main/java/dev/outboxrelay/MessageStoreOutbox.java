package dev.outboxrelay;

/**
 * The outbox of message-store mode ({@code outbox.mode=message-store}, the article's approaches 4
 * and 5): {@link #send} as in {@link Outbox} (approach 4), and the two steps of approach 5, {@link
 * #prepare} before the business transaction and {@link #enlist} inside it. The outbox bean is of
 * this type only in message-store mode (Spring Boot: {@code outbox.mode=message-store}; plain
 * Spring: {@code @EnableOutbox(mode = MESSAGE_STORE)}); in same-database mode injecting it stops
 * start-up.
 */
public interface MessageStoreOutbox extends Outbox {

  /**
   * Before the business transaction (the article's approach 5): writes {@code message} PREPARED in
   * a short transaction of its own on the message database, with a new global business message id.
   * Pass the result to {@link #enlist} inside the business transaction. A prepared message never
   * enlisted, or enlisted in a transaction that rolls back, is cancelled (by the relay's
   * check-back, after {@code outbox.relay.check-back.transaction-timeout}, when nobody cancelled it
   * before); until then it holds back later messages of its key.
   *
   * @return the prepared message: its id, business message id and reference
   * @throws IllegalArgumentException if a field is invalid (see {@link Outbox#send}); nothing is
   *     written
   * @throws org.springframework.dao.DataAccessException if the message database fails the write,
   *     which then wrote nothing
   */
  PreparedMessage prepare(OutboxMessage message);

  /**
   * Records {@code message} (from {@link #prepare}) in the caller's transaction ({@code
   * t_msg_order} with its business message id); the message is confirmed after that transaction
   * commits, cancelled after it rolls back. Outside a transaction: commits {@code t_msg_order} in a
   * short transaction of its own and confirms the message.
   *
   * @return the message id
   * @throws DuplicateMessageReferenceException if the message's reference already has a message;
   *     the prepared message is cancelled, and the caller's transaction stays usable
   * @throws IllegalStateException when the active transaction does not manage the outbox's business
   *     DataSource
   * @throws org.springframework.dao.DataAccessException if the business database fails the write
   *     (as for {@link Outbox#send})
   */
  long enlist(PreparedMessage message);
}
