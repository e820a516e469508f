package dev.outboxrelay.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;

/**
 * The storage verbs over {@code t_msg} and {@code t_msg_order}, one SQL statement each, for MySQL 8
 * and MariaDB 10.6+. The algorithms (write path, fast path, relay loop) are written over these
 * verbs. Every statement runs on the caller's Spring-managed connection, so it joins the current
 * transaction. Times are the database's UTC clock ({@code UTC_TIMESTAMP(3)}).
 */
public final class OutboxStore {
  private static final String COLUMNS =
      "id, msg_id, ref_type, ref_id, topic, msg_key, payload, headers, lane, attempts, created_at";

  private static final String INSERT_ORDER =
      """
      INSERT INTO t_msg_order (ref_type, ref_id, bus_msg_id, created_at)
      VALUES (?, ?, ?, UTC_TIMESTAMP(3))""";

  private static final String INSERT_MESSAGE =
      """
      INSERT INTO t_msg (msg_id, msg_order_id, ref_type, ref_id, topic, msg_key, payload, headers,
                         msg_bytes, lane, bus_msg_id, status, attempts, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0,
              DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND), UTC_TIMESTAMP(3))""";

  // Message-store mode: a PREPARED message becomes PENDING once its business transaction is known
  // to have committed (the service after commit, or the relay's check-back), or CANCELLED once it
  // is known to have rolled back. Both only from PREPARED, so the service and the check-back can
  // race and the first one wins; only a committed transaction's cancelled message comes back
  // (REVIVE).
  private static final String CONFIRM =
      sql(
          """
          UPDATE t_msg
          SET status = {PENDING}, attempts = 0, last_error = NULL,
              next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL :delayMicros MICROSECOND)
          WHERE id IN (:ids) AND bus_msg_id IN (:busMsgIds) AND status = {PREPARED}""");

  // A message cancelled although its business transaction committed after all: the check-back
  // gave up on it (a transaction longer than check-back.transaction-timeout), or a concurrent
  // enlist of it was refused. Its transaction recorded it, so it must be published, late.
  private static final String REVIVE =
      sql(
          """
          UPDATE t_msg
          SET status = {PENDING}, attempts = 0, last_error = NULL, sent_at = NULL,
              next_attempt_at = UTC_TIMESTAMP(3)
          WHERE id IN (:ids) AND bus_msg_id IN (:busMsgIds) AND status = {CANCELLED}""");

  private static final String CANCEL =
      sql(
          """
          UPDATE t_msg SET status = {CANCELLED}, sent_at = UTC_TIMESTAMP(3)
          WHERE id IN (:ids) AND bus_msg_id IN (:busMsgIds) AND status = {PREPARED}""");

  // The check-back's question to the business database: which of these ids did a committed
  // transaction record? uk_msg_order_bus serves it.
  private static final String RECORDED_BUS_MSG_IDS =
      """
      SELECT bus_msg_id FROM t_msg_order WHERE bus_msg_id IN (:ids)""";

  // The business message id the row of a reference carries, as a locking read of that one row:
  // it sees the newest committed version (and waits for a transaction that changes it). The row
  // exists (a duplicate key named it), so no gap is locked. LOCK IN SHARE MODE: MariaDB and MySQL.
  private static final String BUS_MSG_ID_OF_REFERENCE =
      """
      SELECT bus_msg_id FROM t_msg_order WHERE ref_type = ? AND ref_id = ? LOCK IN SHARE MODE""";

  // PREPARED rows older than the check-back's threshold, oldest first, one idx_msg_claim range per
  // lane (lane, PREPARED): there are few of them, the in-flight messages, so the sort is small.
  private static final String PREPARED_OLDER_THAN =
      sql(
          """
          SELECT id, bus_msg_id, TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(3)) / 1e6 AS age
          FROM t_msg
          WHERE lane IN (:lanes) AND status = {PREPARED} AND id > :afterId
            AND created_at <= DATE_SUB(UTC_TIMESTAMP(3), INTERVAL :olderThanMicros MICROSECOND)
          ORDER BY id LIMIT :limit""");

  private static final String PREPARED_STATS =
      sql(
          """
          SELECT COUNT(*) AS prepared, MIN(id) AS oldest_id FROM t_msg
          WHERE lane IN (:lanes) AND status = {PREPARED}""");

  // Takes the key's lock row (V2's t_msg_key) until the transaction ends: INSERT ... ON DUPLICATE
  // KEY UPDATE locks the existing row exclusively, and writes nothing when it exists.
  private static final String LOCK_KEY =
      """
      INSERT INTO t_msg_key (msg_key) VALUES (?) ON DUPLICATE KEY UPDATE msg_key = msg_key""";

  private static final String CLAIM_FRESH =
      sql(
          """
          SELECT {COLUMNS} FROM t_msg
          WHERE id IN (:ids) AND status = {PENDING} AND attempts = 0 AND last_error IS NULL
          ORDER BY id
          FOR UPDATE SKIP LOCKED""");

  // The fast path's slice of a large batch: the fresh rows' sizes, read without locks.
  private static final String FRESH_SIZES =
      sql(
          """
          SELECT id, msg_bytes FROM t_msg
          WHERE id IN (:ids) AND status = {PENDING} AND attempts = 0 AND last_error IS NULL""");

  static final String CLAIM_IDS =
      sql(
          """
          SELECT {COLUMNS} FROM t_msg
          WHERE id IN (:ids) AND status = {PENDING} AND next_attempt_at <= UTC_TIMESTAMP(3)
          ORDER BY id
          FOR UPDATE SKIP LOCKED""");

  // The first step of the relay's claim: the candidates and their sizes, read without locking, one
  // part per lane of a worker's round, each walking idx_msg_claim in id order (no filesort), in
  // one statement. msg_bytes (V2) spares reading the payloads; it is NULL for older rows.
  private static final String CANDIDATES_PART =
      sql(
          """
          (SELECT id, lane, msg_bytes FROM t_msg
           WHERE lane = ? AND status = {PENDING} AND next_attempt_at <= UTC_TIMESTAMP(3)
           ORDER BY id LIMIT ?)""");

  // The ordering guard: per key, the oldest PENDING (or PREPARED, which may still be confirmed)
  // row that is not in the publisher's own claimed set. idx_msg_key serves it.
  static final String FIRST_BLOCKING =
      sql(
          """
          SELECT msg_key, MIN(id) AS first_id FROM t_msg
          WHERE msg_key IN (:keys) AND status IN ({PENDING}, {PREPARED}) AND id < :maxId AND id NOT IN (:claimed)
          GROUP BY msg_key""");

  private static final String MARK_SENT =
      sql(
          """
          UPDATE t_msg SET status = {SENT}, sent_at = UTC_TIMESTAMP(3), attempts = attempts + 1
          WHERE id IN (:ids) AND status = {PENDING}""");

  // Rows whose records a round stopped waiting for while its producer still held them: not due
  // until that producer has surely given up (InFlightRows). The error also keeps the fast path
  // from claiming such a row as fresh.
  private static final String PUT_OFF =
      sql(
          """
          UPDATE t_msg
          SET next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL :delayMicros MICROSECOND),
              last_error = :error
          WHERE id IN (:ids) AND status = {PENDING}""");

  // A late acknowledgement, recorded outside the round: the row is locked by no round of ours,
  // and one that another publisher recorded meanwhile is left as it is.
  private static final String MARK_LATE_SENT =
      sql(
          """
          UPDATE t_msg SET status = {SENT}, sent_at = UTC_TIMESTAMP(3), attempts = attempts + 1
          WHERE id IN (:ids) AND status = {PENDING}""");

  private static final String DELETE_SENT =
      sql(
          """
          DELETE FROM t_msg WHERE id = ? AND status = {PENDING}""");

  private static final String MARK_RETRY =
      sql(
          """
          UPDATE t_msg
          SET attempts = attempts + 1,
              next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND),
              last_error = ?
          WHERE id = ? AND status = {PENDING}""");

  private static final String MARK_DEFERRED =
      sql(
          """
          UPDATE t_msg
          SET next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND), last_error = ?
          WHERE id = ? AND status = {PENDING}""");

  // A topic that works again: the rows of it still put off by its backoff. Read without locking
  // from idx_msg_claim (the lanes' PENDING rows only), a slice at a time in id order; then locked
  // through the primary key, skipping rows a round holds (it is publishing them), and made due.
  private static final String WAITING_OF_TOPIC =
      sql(
          """
          SELECT id FROM t_msg
          WHERE lane IN (:lanes) AND status = {PENDING} AND id > :afterId AND topic = :topic
            AND next_attempt_at > UTC_TIMESTAMP(3)
          ORDER BY id LIMIT :limit""");

  private static final String LOCK_WAITING =
      sql(
          """
          SELECT id FROM t_msg
          WHERE id IN (:ids) AND status = {PENDING} AND next_attempt_at > UTC_TIMESTAMP(3)
          FOR UPDATE SKIP LOCKED""");

  private static final String MAKE_DUE =
      sql(
          """
          UPDATE t_msg SET next_attempt_at = UTC_TIMESTAMP(3)
          WHERE id IN (:ids) AND status = {PENDING}""");

  private static final int MAKE_DUE_SLICE = 1000;

  private static final String MARK_DEAD =
      sql(
          """
          UPDATE t_msg SET status = {DEAD}, attempts = attempts + 1, last_error = ?
          WHERE id = ? AND status = {PENDING}""");

  // Ids grow with time, so the rows older than a retention sit below the first younger id. It is
  // found by a binary search over the primary key, one single-row seek per step, whatever the
  // table holds; no index on created_at is needed.
  private static final String ID_RANGE = "SELECT MIN(id) AS lo, MAX(id) AS hi FROM t_msg";

  private static final String IS_YOUNG_FROM =
      """
      SELECT id, created_at >= DATE_SUB(UTC_TIMESTAMP(3), INTERVAL ? SECOND) AS young
      FROM t_msg WHERE id >= ? ORDER BY id LIMIT 1""";

  // The purge reads the rows it deletes from idx_msg_claim (lane, status, id), one lane and status
  // at a time, so it examines about the rows it deletes whatever else lies below the boundary,
  // then deletes them by primary key: no other row is read or locked.
  private static final String PURGE_CANDIDATES =
      """
      SELECT id FROM t_msg WHERE lane = ? AND status = ? AND id < ? ORDER BY id LIMIT ?""";

  private static final String PURGE =
      """
      DELETE FROM t_msg WHERE id IN (:ids) AND status = :status""";

  // One range of idx_msg_claim per lane: (lane, 0).
  static final String PENDING_STATS =
      sql(
          """
          SELECT COUNT(*) AS pending, MIN(id) AS oldest_id FROM t_msg
          WHERE lane IN (:lanes) AND status = {PENDING}""");

  // Rows in lanes a relay with this lane count never claims (the writers hash to more lanes):
  // an index range on idx_msg_claim, empty and cheap when the counts agree.
  private static final String UNSERVED_STATS =
      sql(
          """
          SELECT COUNT(*) AS pending, MIN(id) AS oldest_id FROM t_msg
          WHERE lane >= ? AND status = {PENDING}""");

  private static final String AGE_SECONDS =
      """
      SELECT TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(3)) / 1e6 FROM t_msg
      WHERE id = ?""";

  // The relay's ordering guard, one part per claimed lane: the lane's unpublished rows below the
  // lane's newest claimed id that are not claimed, from idx_msg_claim (the key is looked up for
  // those rows only). All rows of a key share its lane, so a lane's own newest claimed id bounds
  // what can block its keys: one bound for all lanes made every round read the busier lanes'
  // rows up to the newest claimed id of the quietest lane.
  private static final String UNCLAIMED_IN_LANE_PART =
      sql(
          """
          (SELECT id, msg_key FROM t_msg
           WHERE lane = :lane%1$d AND status IN ({PENDING}, {PREPARED}) AND id < :maxId%1$d
             AND id NOT IN (:claimed%1$d))""");

  // The size of candidates without msg_bytes: reads their payloads (rows written before V2 or by
  // other tools only).
  private static final String MEASURE =
      """
      SELECT id, LENGTH(payload) + COALESCE(LENGTH(headers), 0) AS bytes FROM t_msg
      WHERE id IN (:ids)""";

  // Key lock rows of keys with no message left, a slice of the key space at a time, skipping keys
  // a writer holds: the next writer of a deleted key inserts it again.
  private static final String KEY_SLICE =
      """
      SELECT msg_key FROM t_msg_key WHERE msg_key > ? ORDER BY msg_key LIMIT ?""";

  private static final String LOCK_UNUSED_KEYS =
      """
      SELECT k.msg_key FROM t_msg_key k
      WHERE k.msg_key IN (:keys) AND NOT EXISTS (SELECT 1 FROM t_msg m WHERE m.msg_key = k.msg_key)
      FOR UPDATE SKIP LOCKED""";

  private static final String DELETE_KEYS =
      """
      DELETE FROM t_msg_key WHERE msg_key IN (:keys)""";

  private static final String STATUS_OF =
      """
      SELECT status FROM t_msg WHERE id = ?""";

  /** The ShedLock lock names of the relays' membership leases: {@code outbox-member-<id>}. */
  public static final String MEMBER_LEASE_PREFIX = "outbox-member-";

  // ShedLock's table: the relays that hold a live membership lease (the lanes are spread over them)
  private static final String COUNT_LIVE_MEMBERS =
      sql(
          """
          SELECT COUNT(*) FROM shedlock
          WHERE name LIKE '{MEMBER_LEASE_PREFIX}%' AND lock_until > UTC_TIMESTAMP(3)""");

  // ... and the membership rows of relays gone for a day (each start names a new member).
  private static final String PURGE_STALE_MEMBERS =
      sql(
          """
          DELETE FROM shedlock
          WHERE name LIKE '{MEMBER_LEASE_PREFIX}%'
            AND lock_until < DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 1 DAY)""");

  private static final int LAST_ERROR_MAX = 1000;

  /**
   * Binds the statement's placeholders once, at class initialisation: {@code {COLUMNS}}, {@code
   * {MEMBER_LEASE_PREFIX}} and the status codes of {@link MessageStatus} ({@code {PENDING}}, {@code
   * {SENT}}, ...), so each code is written in one place.
   */
  private static String sql(String template) {
    String bound =
        template
            .replace("{COLUMNS}", COLUMNS)
            .replace("{MEMBER_LEASE_PREFIX}", MEMBER_LEASE_PREFIX);
    for (MessageStatus status : MessageStatus.values()) {
      bound = bound.replace("{" + status.name() + "}", Integer.toString(status.code()));
    }
    if (bound.contains("{")) {
      throw new IllegalStateException("unbound placeholder in " + bound);
    }
    return bound;
  }

  // A column that does not decode marks its row defective instead of failing the whole claim: one
  // row written by hand or by another tool must not stall every lane of a worker.
  private static final RowMapper<OutboxRow> ROW =
      (ResultSet rs, int rowNum) -> {
        Map<String, String> headers;
        String defect = null;
        try {
          headers = HeadersJson.decode(rs.getString("headers"));
        } catch (RuntimeException e) {
          headers = Map.of();
          defect =
              e instanceof IllegalArgumentException
                  ? e.getMessage()
                  : "t_msg.headers cannot be read: " + e;
        }
        long id = rs.getLong("id");
        int refType = rs.getInt("ref_type");
        String refId = rs.getString("ref_id");
        String topic = rs.getString("topic");
        String key = rs.getString("msg_key");
        Instant createdAt =
            rs.getObject("created_at", LocalDateTime.class).toInstant(ZoneOffset.UTC);
        String messageId = rs.getString("msg_id");
        return new OutboxRow(
            id,
            messageId != null && !messageId.isBlank() // blank: a row written by hand
                ? messageId
                : MessageIds.legacy(id, createdAt, refType, refId, topic, key),
            refType,
            refId,
            topic,
            key,
            rs.getBytes("payload"),
            headers,
            rs.getInt("lane"),
            rs.getInt("attempts"),
            createdAt,
            defect);
      };

  private final JdbcTemplate jdbc;
  private final NamedParameterJdbcTemplate named;

  public OutboxStore(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
    this.named = new NamedParameterJdbcTemplate(jdbc);
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
   * Message-store mode: inserts {@code message} PREPARED, awaiting {@link #confirm} or {@link
   * #cancel}, with its business message id. Returns its id.
   */
  public long insertPrepared(NewMessage message, String busMsgId) {
    return insert(
        message,
        Objects.requireNonNull(busMsgId, "busMsgId"),
        MessageStatus.PREPARED,
        java.time.Duration.ZERO);
  }

  /**
   * Message-store mode: makes those of {@code messages} (id → business message id; a row whose
   * business message id differs is left alone) that are still PREPARED PENDING, due after {@code
   * relayDelay} (the fast path's head start); returns how many.
   */
  public int confirm(Map<Long, String> messages, java.time.Duration relayDelay) {
    if (messages.isEmpty()) {
      return 0;
    }
    return named.update(
        CONFIRM, byBusMsgId(messages).addValue("delayMicros", relayDelay.toNanos() / 1000));
  }

  private static MapSqlParameterSource byBusMsgId(Map<Long, String> messages) {
    return new MapSqlParameterSource("ids", messages.keySet())
        .addValue("busMsgIds", Set.copyOf(messages.values()));
  }

  /**
   * Message-store mode: makes those of {@code messages} (id → business message id) that are
   * CANCELLED PENDING again, due now: their business transaction is known to have committed after
   * they were cancelled. Returns how many.
   */
  public int revive(Map<Long, String> messages) {
    if (messages.isEmpty()) {
      return 0;
    }
    return named.update(REVIVE, byBusMsgId(messages));
  }

  /**
   * The business message id of the {@code t_msg_order} row of reference {@code (refType, refId)},
   * by a locking read of that row in the current transaction (the newest committed version); empty
   * when there is no such row or it carries none.
   */
  public java.util.Optional<String> busMsgIdOfReference(int refType, String refId) {
    List<String> ids =
        jdbc.query(BUS_MSG_ID_OF_REFERENCE, (rs, n) -> rs.getString(1), refType, refId);
    return ids.isEmpty() ? java.util.Optional.empty() : java.util.Optional.ofNullable(ids.get(0));
  }

  /**
   * Message-store mode: makes those of {@code messages} (id → business message id) that are still
   * PREPARED CANCELLED.
   */
  public int cancel(Map<Long, String> messages) {
    if (messages.isEmpty()) {
      return 0;
    }
    return named.update(CANCEL, byBusMsgId(messages));
  }

  /**
   * Asked of the business database: those of {@code busMsgIds} that a {@code t_msg_order} row
   * carries, that is, whose business transaction committed.
   */
  public Set<String> recordedBusMsgIds(Collection<String> busMsgIds) {
    if (busMsgIds.isEmpty()) {
      return Set.of();
    }
    return Set.copyOf(
        named.queryForList(
            RECORDED_BUS_MSG_IDS, new MapSqlParameterSource("ids", busMsgIds), String.class));
  }

  /**
   * Up to {@code limit} PREPARED rows of {@code lanes} with an id above {@code afterId}, created at
   * least {@code olderThan} ago, oldest first. Rows without a business message id (not written by
   * message-store mode) are returned with a null one.
   */
  public List<PreparedRow> preparedOlderThan(
      List<Integer> lanes, java.time.Duration olderThan, long afterId, int limit) {
    return named.query(
        PREPARED_OLDER_THAN,
        new MapSqlParameterSource("lanes", lanes)
            .addValue("afterId", afterId)
            .addValue("olderThanMicros", olderThan.toNanos() / 1000)
            .addValue("limit", limit),
        (rs, n) ->
            new PreparedRow(rs.getLong("id"), rs.getString("bus_msg_id"), rs.getDouble("age")));
  }

  /**
   * A PREPARED row as the check-back sees it.
   *
   * @param busMsgId null for a row not written by message-store mode
   * @param ageSeconds since it was prepared, by the database's clock
   */
  public record PreparedRow(long id, @Nullable String busMsgId, double ageSeconds) {}

  /**
   * How many rows of {@code lanes} are PREPARED and how old the oldest is, in seconds (0 when there
   * is none).
   */
  public PreparedStats preparedStats(int lanes) {
    List<Integer> all = java.util.stream.IntStream.range(0, lanes).boxed().toList();
    Map<String, Object> stats =
        named.queryForMap(PREPARED_STATS, new MapSqlParameterSource("lanes", all));
    long prepared = ((Number) stats.get("prepared")).longValue();
    if (stats.get("oldest_id") == null) {
      return new PreparedStats(prepared, 0);
    }
    return new PreparedStats(prepared, ageSeconds(((Number) stats.get("oldest_id")).longValue()));
  }

  /**
   * @param prepared PREPARED rows
   * @param oldestAgeSeconds age of the oldest of them, 0 when there is none
   */
  public record PreparedStats(long prepared, double oldestAgeSeconds) {}

  private double ageSeconds(long id) {
    List<Double> age = jdbc.queryForList(AGE_SECONDS, Double.class, id);
    return age.isEmpty() || age.get(0) == null ? 0 : age.get(0);
  }

  /**
   * Inserts a message row that the relay leaves alone for {@code relayDelay} (its first {@code
   * next_attempt_at}): the fast path's head start. Returns its id.
   */
  public long insertMessage(
      NewMessage message, MessageStatus status, java.time.Duration relayDelay) {
    return insert(message, null, status, relayDelay);
  }

  private long insert(
      NewMessage message,
      @Nullable String busMsgId,
      MessageStatus status,
      java.time.Duration relayDelay) {
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
   * Deletes the lock rows of keys with no message left in {@code t_msg}, examining up to {@code
   * limit} keys after {@code afterKey} (in key order); skips keys a writer holds. Run it in a READ
   * COMMITTED transaction.
   *
   * @param afterKey "" to start at the first key
   * @return the last key examined, or null when the slice reached the end of the table; and how
   *     many were deleted
   */
  public KeySweep purgeUnusedKeys(String afterKey, int limit) {
    List<String> slice = jdbc.queryForList(KEY_SLICE, String.class, afterKey, limit);
    if (slice.isEmpty()) {
      return new KeySweep(null, 0);
    }
    List<String> unused =
        named.queryForList(
            LOCK_UNUSED_KEYS, new MapSqlParameterSource("keys", slice), String.class);
    int deleted =
        unused.isEmpty() ? 0 : named.update(DELETE_KEYS, new MapSqlParameterSource("keys", unused));
    return new KeySweep(slice.size() < limit ? null : slice.get(slice.size() - 1), deleted);
  }

  /**
   * @param next the key to continue after, null when the sweep is complete
   * @param deleted lock rows deleted
   */
  public record KeySweep(@Nullable String next, int deleted) {}

  /**
   * The status of message {@code id}, read by primary key without a lock; empty when there is no
   * such row.
   */
  public java.util.Optional<MessageStatus> statusOf(long id) {
    return jdbc.query(
        STATUS_OF,
        rs ->
            rs.next()
                ? java.util.Optional.of(MessageStatus.ofCode(rs.getInt(1)))
                : java.util.Optional.empty(),
        id);
  }

  /**
   * The fast path's claim: locks and returns those of {@code ids} that were never attempted (no
   * attempt counted and no error recorded, so none a relay round put off), whatever their {@code
   * next_attempt_at} (the relay's delay), skipping rows locked by others.
   */
  public List<OutboxRow> claimFresh(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return named.query(CLAIM_FRESH, new MapSqlParameterSource("ids", ids), ROW);
  }

  /**
   * The fast path's slice of a large batch: of {@code ids}, the fresh ones ({@link #claimFresh}
   * would take them) in id order, as far as their payload and headers add up to at most {@code
   * maxBytes} (at least one); read without locks, so a row may be taken by others before it is
   * claimed.
   *
   * @param ids a few hundred at most
   * @param maxBytes at least 1
   * @return ids ascending; empty when none of {@code ids} is fresh
   */
  public List<Long> freshWithinBudget(Collection<Long> ids, long maxBytes) {
    if (ids.isEmpty()) {
      return List.of();
    }
    List<Candidate> candidates =
        named.query(
            FRESH_SIZES,
            new MapSqlParameterSource("ids", ids),
            (rs, n) -> {
              long bytes = rs.getLong("msg_bytes");
              boolean unknown = rs.wasNull(); // read before the other columns
              return new Candidate(rs.getLong("id"), 0, unknown ? -1 : bytes);
            });
    return Candidate.withinBudget(candidates, maxBytes, this::measure);
  }

  /** Locks and returns those of {@code ids} that are still due, skipping rows locked by others. */
  public List<OutboxRow> claimIds(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return named.query(CLAIM_IDS, new MapSqlParameterSource("ids", ids), ROW);
  }

  /**
   * Locks and returns up to {@code limitPerLane} due rows of each of {@code lanes}, oldest first,
   * and together at most {@code maxBytes} of payload and headers (but at least one row), skipping
   * rows locked by others; the result is in id order. Two steps: the candidates and their sizes are
   * read from idx_msg_claim without locking, then the rows within the budget are locked through the
   * primary key ({@link #claimIds}). A locking read of the index itself would keep the index
   * entries of the rows it skips locked until it commits, so the fast path's UPDATE of those rows
   * would wait for the relay.
   *
   * @param maxBytes the round's byte budget, at least 1; a single row larger than it is claimed
   *     alone
   * @return the rows, and whether some lane may have more due rows now (a lane's share came back
   *     full, or the budget left candidates out)
   */
  public LaneClaim claimLanes(List<Integer> lanes, int limitPerLane, long maxBytes) {
    if (lanes.isEmpty()) {
      return new LaneClaim(List.of(), false);
    }
    Object[] args = new Object[lanes.size() * 2];
    for (int i = 0; i < lanes.size(); i++) {
      args[2 * i] = lanes.get(i);
      args[2 * i + 1] = limitPerLane;
    }
    List<Candidate> candidates =
        jdbc.query(
            candidatesSql(lanes.size()),
            (rs, n) -> {
              long bytes = rs.getLong("msg_bytes");
              boolean unknown = rs.wasNull(); // read before the other columns
              return new Candidate(rs.getLong("id"), rs.getInt("lane"), unknown ? -1 : bytes);
            },
            args);
    if (candidates.isEmpty()) {
      return new LaneClaim(List.of(), false);
    }
    List<Long> within = Candidate.withinBudget(candidates, maxBytes, this::measure);
    Map<Integer, Long> perLane =
        candidates.stream().collect(Collectors.groupingBy(Candidate::lane, Collectors.counting()));
    boolean full =
        within.size() < candidates.size()
            || perLane.values().stream().anyMatch(count -> count >= limitPerLane);
    return new LaneClaim(claimIds(within), full);
  }

  /** The sizes of rows that do not hold theirs (written before V2 or by other tools). */
  private Map<Long, Long> measure(List<Long> ids) {
    Map<Long, Long> sizes = new HashMap<>();
    named.query(
        MEASURE,
        new MapSqlParameterSource("ids", ids),
        (ResultSet rs) -> {
          sizes.put(rs.getLong("id"), rs.getLong("bytes"));
        });
    return sizes;
  }

  /**
   * @param rows the claimed rows, locked, in id order
   * @param full some lane may have more due rows now
   */
  public record LaneClaim(List<OutboxRow> rows, boolean full) {}

  static String candidatesSql(int lanes) {
    return String.join("\nUNION ALL\n", java.util.Collections.nCopies(lanes, CANDIDATES_PART));
  }

  /**
   * The ordering guard's question: for each key of {@code claimed}, the id of its oldest
   * unpublished row outside {@code claimed}, where that row is older than some claimed row.
   */
  public Map<String, Long> firstBlockingIds(List<OutboxRow> claimed) {
    Set<String> keys =
        claimed.stream().map(OutboxRow::key).filter(Objects::nonNull).collect(Collectors.toSet());
    if (keys.isEmpty()) {
      return Map.of();
    }
    MapSqlParameterSource params =
        new MapSqlParameterSource("keys", keys)
            .addValue("maxId", claimed.stream().mapToLong(OutboxRow::id).max().orElseThrow())
            .addValue("claimed", claimed.stream().map(OutboxRow::id).toList());
    Map<String, Long> result = new HashMap<>();
    named.query(
        FIRST_BLOCKING,
        params,
        (ResultSet rs) -> {
          result.put(rs.getString("msg_key"), rs.getLong("first_id"));
        });
    return result;
  }

  /** Marks claimed, acknowledged rows SENT; every one must still be PENDING. */
  public void markSent(Collection<Long> ids) {
    updateAll(MARK_SENT, ids);
  }

  /**
   * Deletes claimed, acknowledged rows instead of keeping them as SENT: one statement per row, in
   * one batch; one multi-row DELETE made concurrent relay workers deadlock each other.
   */
  public void deleteSent(Collection<Long> ids) {
    int[][] counts = jdbc.batchUpdate(DELETE_SENT, ids, ids.size(), (ps, id) -> ps.setLong(1, id));
    // A rewritten batch may report SUCCESS_NO_INFO instead of a count: only a 0 is a known miss.
    long missed =
        java.util.Arrays.stream(counts)
            .flatMapToInt(java.util.Arrays::stream)
            .filter(c -> c == 0)
            .count();
    if (missed > 0) {
      throw new IllegalStateException(
          "expected to delete "
              + ids.size()
              + " claimed PENDING rows of t_msg but "
              + missed
              + " were not there: were they claimed FOR UPDATE in this transaction?");
    }
  }

  /**
   * Puts rows off by {@code delay} without counting an attempt, with {@code error} as their last
   * error; only rows still PENDING. Run it in the transaction that claimed them.
   */
  public void putOff(Collection<Long> ids, java.time.Duration delay, String error) {
    if (ids.isEmpty()) {
      return;
    }
    named.update(
        PUT_OFF,
        new MapSqlParameterSource("ids", ids)
            .addValue("delayMicros", delay.toNanos() / 1_000)
            .addValue("error", truncate(error)));
  }

  /**
   * Records acknowledgements that came after their round: those of {@code ids} still PENDING become
   * SENT; returns how many did.
   */
  public int markLateSent(Collection<Long> ids) {
    return ids.isEmpty() ? 0 : named.update(MARK_LATE_SENT, new MapSqlParameterSource("ids", ids));
  }

  /**
   * Records acknowledgements that came after their round with {@code on-ack=delete}: deletes those
   * of {@code ids} still PENDING (one statement per row, as {@link #deleteSent}); returns how many.
   */
  public int deleteLateSent(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return 0;
    }
    int[][] counts = jdbc.batchUpdate(DELETE_SENT, ids, ids.size(), (ps, id) -> ps.setLong(1, id));
    return (int)
        java.util.Arrays.stream(counts)
            .flatMapToInt(java.util.Arrays::stream)
            .filter(c -> c != 0)
            .count();
  }

  /** Schedules another attempt of a claimed row after {@code backoffMillis}. */
  public void markRetry(long id, long backoffMillis, String error) {
    checkOne(jdbc.update(MARK_RETRY, backoffMillis * 1000, truncate(error), id), id);
  }

  /**
   * Puts a claimed row off for {@code delayMillis} without counting an attempt: it failed for a
   * reason outside the message (a missing topic, missing rights, no time left in the round).
   */
  public void markDeferred(long id, long delayMillis, String error) {
    checkOne(jdbc.update(MARK_DEFERRED, delayMillis * 1000, truncate(error), id), id);
  }

  /**
   * Makes the PENDING rows of {@code topic} in {@code lanes} that wait for a later attempt due now,
   * in the caller's transaction, skipping rows another transaction holds (a round publishing them).
   * For a topic that works again: its rows put off by its backoff need not wait for it to end.
   *
   * @param lanes the lanes to look in, not empty
   * @return how many rows were made due
   */
  public int makeDue(String topic, Collection<Integer> lanes) {
    int made = 0;
    long afterId = 0;
    while (true) {
      List<Long> waiting =
          named.queryForList(
              WAITING_OF_TOPIC,
              new MapSqlParameterSource("lanes", lanes)
                  .addValue("afterId", afterId)
                  .addValue("topic", topic)
                  .addValue("limit", MAKE_DUE_SLICE),
              Long.class);
      if (waiting.isEmpty()) {
        return made;
      }
      List<Long> locked =
          named.queryForList(LOCK_WAITING, new MapSqlParameterSource("ids", waiting), Long.class);
      if (!locked.isEmpty()) {
        made += named.update(MAKE_DUE, new MapSqlParameterSource("ids", locked));
      }
      if (waiting.size() < MAKE_DUE_SLICE) {
        return made;
      }
      afterId = waiting.get(waiting.size() - 1);
    }
  }

  /** Gives up on a claimed row: DEAD, with the reason. */
  public void markDead(long id, String error) {
    checkOne(jdbc.update(MARK_DEAD, truncate(error), id), id);
  }

  /**
   * The lowest id of a row created less than {@code age} ago, by a binary search over the primary
   * key (ids grow with time); {@link Long#MAX_VALUE} when every row is older, and the lowest id
   * there is (or 0) when none is.
   */
  public long firstIdYoungerThan(java.time.Duration age) {
    Map<String, Object> range = jdbc.queryForMap(ID_RANGE);
    if (range.get("lo") == null) {
      return 0;
    }
    long low = ((Number) range.get("lo")).longValue();
    long high = ((Number) range.get("hi")).longValue() + 1; // the answer lies in [low, high]
    while (low < high) {
      long mid = low + (high - low) / 2;
      // the first row at or above mid (rows in between may be gone): young -> no young row lies
      // above mid that is not also at or above it; old -> every row up to it is old
      List<Map<String, Object>> row = jdbc.queryForList(IS_YOUNG_FROM, age.toSeconds(), mid);
      if (row.isEmpty() || ((Number) row.get(0).get("young")).intValue() == 1) {
        high = mid;
      } else {
        low = ((Number) row.get(0).get("id")).longValue() + 1;
      }
    }
    return high > ((Number) range.get("hi")).longValue() ? Long.MAX_VALUE : high;
  }

  /**
   * Deletes up to {@code limit} rows of {@code lane} in {@code status} below id {@code belowId};
   * returns how many. Reads them from the lane index and deletes them by primary key, so it
   * examines about the rows it deletes and locks no other. Run it in a READ COMMITTED transaction.
   */
  public int purge(int lane, MessageStatus status, long belowId, int limit) {
    List<Long> ids =
        jdbc.queryForList(PURGE_CANDIDATES, Long.class, lane, status.code(), belowId, limit);
    if (ids.isEmpty()) {
      return 0;
    }
    return named.update(
        PURGE, new MapSqlParameterSource("ids", ids).addValue("status", status.code()));
  }

  /**
   * How many rows are PENDING in all, how old the oldest is, and how many of them are in lanes
   * {@code lanes} and above, which a relay with {@code lanes} lanes never claims.
   */
  public PendingStats pendingStats(int lanes) {
    List<Integer> all = java.util.stream.IntStream.range(0, lanes).boxed().toList();
    Map<String, Object> served =
        named.queryForMap(PENDING_STATS, new MapSqlParameterSource("lanes", all));
    Map<String, Object> unserved = jdbc.queryForMap(UNSERVED_STATS, lanes);
    long outside = ((Number) unserved.get("pending")).longValue();
    long pending = ((Number) served.get("pending")).longValue() + outside;
    Long oldestId =
        java.util.stream.Stream.of(served.get("oldest_id"), unserved.get("oldest_id"))
            .filter(Objects::nonNull)
            .map(id -> ((Number) id).longValue())
            .min(Long::compare)
            .orElse(null);
    if (oldestId == null) {
      return new PendingStats(pending, 0, outside);
    }
    return new PendingStats(pending, ageSeconds(oldestId), outside);
  }

  /** How many relays hold a live membership lease (at least 1: the one asking keeps its own). */
  public int liveMembers() {
    Integer members = jdbc.queryForObject(COUNT_LIVE_MEMBERS, Integer.class);
    return Math.max(1, members == null ? 1 : members);
  }

  /** Deletes the membership rows of relays whose lease ended more than a day ago. */
  public int purgeStaleMembers() {
    return jdbc.update(PURGE_STALE_MEMBERS);
  }

  /** How many PENDING rows are in lanes {@code lanes} and above. */
  public long pendingOutsideLanes(int lanes) {
    return ((Number) jdbc.queryForMap(UNSERVED_STATS, lanes).get("pending")).longValue();
  }

  /**
   * The ordering guard's question as the relay asks it, by lane: for each key of {@code claimed},
   * the id of its oldest unpublished row outside {@code claimed} in the claimed lanes (all rows of
   * a key share its lane), where that row is older than some claimed row.
   */
  public Map<String, Long> firstBlockingIdsInLanes(List<OutboxRow> claimed) {
    if (claimed.isEmpty()) {
      return Map.of();
    }
    Map<Integer, List<Long>> byLane =
        claimed.stream()
            .collect(
                Collectors.groupingBy(
                    OutboxRow::lane,
                    java.util.TreeMap::new,
                    Collectors.mapping(OutboxRow::id, Collectors.toList())));
    MapSqlParameterSource params = new MapSqlParameterSource();
    int part = 0;
    for (Map.Entry<Integer, List<Long>> lane : byLane.entrySet()) {
      List<Long> ids = lane.getValue();
      params
          .addValue("lane" + part, lane.getKey())
          .addValue("maxId" + part, ids.stream().mapToLong(Long::longValue).max().orElseThrow())
          .addValue("claimed" + part, ids);
      part++;
    }
    Set<String> keys =
        claimed.stream().map(OutboxRow::key).filter(Objects::nonNull).collect(Collectors.toSet());
    Map<String, Long> result = new HashMap<>();
    named.query(
        unclaimedInLanesSql(byLane.size()),
        params,
        (ResultSet rs) -> {
          String key = rs.getString("msg_key");
          if (key != null && keys.contains(key)) {
            result.merge(key, rs.getLong("id"), Math::min);
          }
        });
    return result;
  }

  /**
   * The relay guard's statement for {@code lanes} claimed lanes: parts 0 to {@code lanes - 1}, each
   * with its {@code :laneN}, {@code :maxIdN} and {@code :claimedN}.
   */
  static String unclaimedInLanesSql(int lanes) {
    List<String> parts = new java.util.ArrayList<>(lanes);
    for (int part = 0; part < lanes; part++) {
      parts.add(UNCLAIMED_IN_LANE_PART.formatted(part));
    }
    return String.join("\nUNION ALL\n", parts);
  }

  /**
   * @param pending PENDING rows in all lanes
   * @param oldestAgeSeconds age of the oldest of them, 0 when there is none
   * @param unserved those of them in lanes the asking relay does not serve
   */
  public record PendingStats(long pending, double oldestAgeSeconds, long unserved) {}

  private void updateAll(String sql, Collection<Long> ids) {
    if (ids.isEmpty()) {
      return;
    }
    int updated = named.update(sql, new MapSqlParameterSource("ids", ids));
    if (updated != ids.size()) {
      // The caller holds the row locks, so this means a claim without a lock or a lost update.
      throw new IllegalStateException(
          "expected to update "
              + ids.size()
              + " claimed PENDING rows of t_msg but updated "
              + updated
              + ": were they claimed FOR UPDATE in this transaction?");
    }
  }

  private static void checkOne(int updated, long id) {
    if (updated != 1) {
      throw new IllegalStateException(
          "expected to update the claimed PENDING row t_msg.id=" + id + " but updated " + updated);
    }
  }

  private static String truncate(String error) {
    if (error == null || error.length() <= LAST_ERROR_MAX) {
      return error;
    }
    return error.substring(0, LAST_ERROR_MAX - 3) + "...";
  }

  private long insertReturningId(String sql, Object... args) {
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
