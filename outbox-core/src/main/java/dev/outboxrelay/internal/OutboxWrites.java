package dev.outboxrelay.internal;

import static dev.outboxrelay.internal.OutboxTables.bind;

import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;

/**
 * The write path's statements, run by {@code Outbox.send} in the caller's transaction: the business
 * reference ({@code t_msg_order}), the key lock ({@code t_msg_key}) and the message row ({@code
 * t_msg}), PENDING or, in message-store mode, PREPARED; and the status query a service asks after
 * it. Every statement runs on the caller's Spring-managed connection, so it joins the current
 * transaction. Times are the database's UTC clock ({@code UTC_TIMESTAMP(3)}).
 */
public final class OutboxWrites {
  private static final String INSERT_ORDER =
      bind(
          """
          INSERT INTO {ORDERS} (ref_type, ref_id, bus_msg_id, created_at)
          VALUES (?, ?, ?, UTC_TIMESTAMP(3))""");

  private static final String INSERT_MESSAGE =
      bind(
          """
          INSERT INTO {MESSAGES} (msg_id, msg_order_id, ref_type, ref_id, topic, msg_key, payload, headers,
                             msg_bytes, lane, bus_msg_id, status, attempts, next_attempt_at, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0,
                  DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND), UTC_TIMESTAMP(3))""");

  // Takes the key's lock row (V2's t_msg_key) until the transaction ends: INSERT ... ON DUPLICATE
  // KEY UPDATE locks the existing row exclusively, and writes nothing when it exists.
  private static final String LOCK_KEY =
      bind(
          """
          INSERT INTO {KEY_LOCKS} (msg_key) VALUES (?) ON DUPLICATE KEY UPDATE msg_key = msg_key""");

  // The business message id the row of a reference carries, as a locking read of that one row:
  // it sees the newest committed version (and waits for a transaction that changes it). The row
  // exists (a duplicate key named it), so no gap is locked. LOCK IN SHARE MODE: MariaDB and MySQL.
  private static final String BUS_MSG_ID_OF_REFERENCE =
      bind(
          """
          SELECT bus_msg_id FROM {ORDERS} WHERE ref_type = ? AND ref_id = ? LOCK IN SHARE MODE""");

  private static final String STATUS_OF =
      bind(
          """
          SELECT status FROM {MESSAGES} WHERE id = ?""");

  private final JdbcTemplate jdbc;

  public OutboxWrites(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /**
   * Inserts the business reference; a second insert of the same reference throws Spring's {@link
   * org.springframework.dao.DuplicateKeyException}.
   */
  public long insertOrder(int refType, String refId) {
    return insertOrder(refType, refId, null);
  }

  /**
   * Inserts the business reference with message-store mode's business message id (null for none); a
   * second insert of the same reference or id throws Spring's {@link
   * org.springframework.dao.DuplicateKeyException}.
   */
  public long insertOrder(int refType, String refId, @Nullable String busMsgId) {
    return insertReturningId(INSERT_ORDER, refType, refId, busMsgId);
  }

  /**
   * Message-store mode: inserts {@code message} PREPARED, awaiting {@link
   * MessageStoreDecisions#confirm} or {@link MessageStoreDecisions#cancel}, with its business
   * message id. Returns its id.
   */
  public long insertPrepared(NewMessage message, String busMsgId) {
    return insert(
        message,
        Objects.requireNonNull(busMsgId, "busMsgId"),
        MessageStatus.PREPARED,
        Duration.ZERO);
  }

  /**
   * Inserts a message row that the relay leaves alone for {@code relayDelay} (its first {@code
   * next_attempt_at}): the fast path's head start. Returns its id.
   */
  public long insertMessage(NewMessage message, MessageStatus status, Duration relayDelay) {
    return insert(message, null, status, relayDelay);
  }

  private long insert(
      NewMessage message, @Nullable String busMsgId, MessageStatus status, Duration relayDelay) {
    return insertReturningId(
        INSERT_MESSAGE,
        MessageIds.next(),
        message.msgOrderId(),
        message.refType(),
        message.refId(),
        message.topic(),
        message.key(),
        message.payload(),
        message.headersJson(),
        message.bytes(),
        message.lane(),
        busMsgId,
        status.code(),
        relayDelay.toNanos() / 1000);
  }

  /**
   * Locks {@code key} until the current transaction ends; a writer of the same key waits here until
   * then (InnoDB's lock wait timeout, a deadlock with a writer that holds another key in the
   * opposite order: {@link org.springframework.dao.PessimisticLockingFailureException}).
   */
  public void lockKey(String key) {
    jdbc.update(LOCK_KEY, key);
  }

  /**
   * The business message id of the {@code t_msg_order} row of reference {@code (refType, refId)},
   * by a locking read of that row in the current transaction (the newest committed version); empty
   * when there is no such row or it carries none. Message-store mode asks it after an enlist that
   * found the reference taken.
   */
  public Optional<String> busMsgIdOfReference(int refType, String refId) {
    List<String> ids =
        jdbc.query(BUS_MSG_ID_OF_REFERENCE, (rs, n) -> rs.getString(1), refType, refId);
    return ids.isEmpty() ? Optional.empty() : Optional.ofNullable(ids.get(0));
  }

  /**
   * The status of message {@code id}, read by primary key without a lock; empty when there is no
   * such row.
   */
  public Optional<MessageStatus> statusOf(long id) {
    return jdbc.query(
        STATUS_OF,
        rs -> rs.next() ? Optional.of(MessageStatus.ofCode(rs.getInt(1))) : Optional.empty(),
        id);
  }

  private long insertReturningId(String sql, @Nullable Object... args) {
    KeyHolder keys = new GeneratedKeyHolder();
    jdbc.update(
        con -> {
          PreparedStatement ps = con.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS);
          for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
          }
          return ps;
        },
        keys);
    Number key = keys.getKey();
    if (key == null) {
      throw new IllegalStateException("the database returned no generated id for: " + sql);
    }
    return key.longValue();
  }

  /** The columns of a new message row. */
  public record NewMessage(
      @Nullable Long msgOrderId,
      int refType,
      String refId,
      String topic,
      @Nullable String key,
      byte[] payload,
      @Nullable String headersJson,
      int lane) {

    /** Payload and headers, in bytes: {@code t_msg.msg_bytes}, what a relay round budgets. */
    public int bytes() {
      return payload.length
          + (headersJson == null
              ? 0
              : headersJson.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
  }
}
