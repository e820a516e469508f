package dev.outboxrelay.internal;

import static dev.outboxrelay.internal.OutboxTables.bind;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The relay's housekeeping statements: the purge of old SENT and DEAD rows and of unused key locks,
 * the gauges' counts of PENDING and PREPARED rows, and the check that no PENDING row lies in a lane
 * the relay does not serve. None is part of a publish round; the purges run in READ COMMITTED
 * transactions of their own, slice by slice, so they lock little and briefly.
 */
public final class OutboxMaintenance {
  // Ids grow with time, so the rows older than a retention sit below the first younger id. It is
  // found by a binary search over the primary key, one single-row seek per step, whatever the
  // table holds; no index on created_at is needed.
  private static final String ID_RANGE =
      bind("SELECT MIN(id) AS lo, MAX(id) AS hi FROM {MESSAGES}");

  private static final String IS_YOUNG_FROM =
      bind(
          """
          SELECT id, created_at >= DATE_SUB(UTC_TIMESTAMP(3), INTERVAL ? SECOND) AS young
          FROM {MESSAGES} WHERE id >= ? ORDER BY id LIMIT 1""");

  // The purge reads the rows it deletes from idx_msg_claim (lane, status, id), one lane and status
  // at a time, so it examines about the rows it deletes whatever else lies below the boundary,
  // then deletes them by primary key: no other row is read or locked.
  private static final String PURGE_CANDIDATES =
      bind(
          """
          SELECT id FROM {MESSAGES} WHERE lane = ? AND status = ? AND id < ? ORDER BY id LIMIT ?""");

  private static final String PURGE =
      bind(
          """
          DELETE FROM {MESSAGES} WHERE id IN (:ids) AND status = :status""");

  // Key lock rows of keys with no message left, a slice of the key space at a time, skipping keys
  // a writer holds: the next writer of a deleted key inserts it again.
  private static final String KEY_SLICE =
      bind(
          """
          SELECT msg_key FROM {KEY_LOCKS} WHERE msg_key > ? ORDER BY msg_key LIMIT ?""");

  // Probes idx_msg_by_key (schema V5; idx_msg_key before it) once per key.
  static final String LOCK_UNUSED_KEYS =
      bind(
          """
          SELECT k.msg_key FROM {KEY_LOCKS} k
          WHERE k.msg_key IN (:keys) AND NOT EXISTS (SELECT 1 FROM {MESSAGES} m WHERE m.msg_key = k.msg_key)
          FOR UPDATE SKIP LOCKED""");

  private static final String DELETE_KEYS =
      bind(
          """
          DELETE FROM {KEY_LOCKS} WHERE msg_key IN (:keys)""");

  // One range of idx_msg_claim per lane: (lane, 0).
  static final String PENDING_STATS =
      bind(
          """
          SELECT COUNT(*) AS pending, MIN(id) AS oldest_id FROM {MESSAGES}
          WHERE lane IN (:lanes) AND status = {PENDING}""");

  // Rows in lanes a relay with this lane count never claims (the writers hash to more lanes):
  // an index range on idx_msg_claim, empty and cheap when the counts agree.
  private static final String UNSERVED_STATS =
      bind(
          """
          SELECT COUNT(*) AS pending, MIN(id) AS oldest_id FROM {MESSAGES}
          WHERE lane >= ? AND status = {PENDING}""");

  private static final String PREPARED_STATS =
      bind(
          """
          SELECT COUNT(*) AS prepared, MIN(id) AS oldest_id FROM {MESSAGES}
          WHERE lane IN (:lanes) AND status = {PREPARED}""");

  private static final String AGE_SECONDS =
      bind(
          """
          SELECT TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(3)) / 1e6 FROM {MESSAGES}
          WHERE id = ?""");

  private final JdbcTemplate jdbc;
  private final NamedParameterJdbcTemplate named;

  public OutboxMaintenance(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
    this.named = new NamedParameterJdbcTemplate(jdbc);
  }

  /**
   * The lowest id of a row created less than {@code age} ago, by a binary search over the primary
   * key (ids grow with time); {@link Long#MAX_VALUE} when every row is older, and the lowest id
   * there is (or 0) when none is.
   */
  public long firstIdYoungerThan(Duration age) {
    Map<String, Object> range = jdbc.queryForMap(ID_RANGE);
    if (range.get("lo") == null) {
      return 0;
    }
    long low = column(range, "lo");
    long high = column(range, "hi") + 1; // the answer lies in [low, high]
    while (low < high) {
      long mid = low + (high - low) / 2;
      // the first row at or above mid (rows in between may be gone): young -> no young row lies
      // above mid that is not also at or above it; old -> every row up to it is old
      List<Map<String, Object>> row = jdbc.queryForList(IS_YOUNG_FROM, age.toSeconds(), mid);
      if (row.isEmpty() || column(row.get(0), "young") == 1) {
        high = mid;
      } else {
        low = column(row.get(0), "id") + 1;
      }
    }
    return high > column(range, "hi") ? Long.MAX_VALUE : high;
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
   * How many rows are PENDING in all, how old the oldest is, and how many of them are in lanes
   * {@code lanes} and above, which a relay with {@code lanes} lanes never claims.
   */
  public PendingStats pendingStats(int lanes) {
    List<Integer> all = IntStream.range(0, lanes).boxed().toList();
    Map<String, Object> served =
        named.queryForMap(PENDING_STATS, new MapSqlParameterSource("lanes", all));
    Map<String, Object> unserved = jdbc.queryForMap(UNSERVED_STATS, lanes);
    long outside = column(unserved, "pending");
    long pending = column(served, "pending") + outside;
    Long oldestId =
        Stream.of(served.get("oldest_id"), unserved.get("oldest_id"))
            .filter(Objects::nonNull)
            .map(id -> ((Number) id).longValue())
            .min(Long::compare)
            .orElse(null);
    if (oldestId == null) {
      return new PendingStats(pending, 0, outside);
    }
    return new PendingStats(pending, ageSeconds(oldestId), outside);
  }

  /** How many PENDING rows are in lanes {@code lanes} and above. */
  public long pendingOutsideLanes(int lanes) {
    return column(jdbc.queryForMap(UNSERVED_STATS, lanes), "pending");
  }

  /**
   * @param pending PENDING rows in all lanes
   * @param oldestAgeSeconds age of the oldest of them, 0 when there is none
   * @param unserved those of them in lanes the asking relay does not serve
   */
  public record PendingStats(long pending, double oldestAgeSeconds, long unserved) {}

  /**
   * How many rows of {@code lanes} are PREPARED (message-store mode) and how old the oldest is, in
   * seconds (0 when there is none).
   */
  public PreparedStats preparedStats(int lanes) {
    List<Integer> all = IntStream.range(0, lanes).boxed().toList();
    Map<String, Object> stats =
        named.queryForMap(PREPARED_STATS, new MapSqlParameterSource("lanes", all));
    long prepared = column(stats, "prepared");
    if (stats.get("oldest_id") == null) {
      return new PreparedStats(prepared, 0);
    }
    return new PreparedStats(prepared, ageSeconds(column(stats, "oldest_id")));
  }

  /**
   * @param prepared PREPARED rows
   * @param oldestAgeSeconds age of the oldest of them, 0 when there is none
   */
  public record PreparedStats(long prepared, double oldestAgeSeconds) {}

  /** A numeric column the statement always returns (a count, a bound already checked non-null). */
  private static long column(Map<String, Object> row, String name) {
    Object value = row.get(name);
    if (value == null) {
      throw new IllegalStateException(
          "column " + name + " is NULL where the statement never gives NULL");
    }
    return ((Number) value).longValue();
  }

  private double ageSeconds(long id) {
    List<Double> age = jdbc.queryForList(AGE_SECONDS, Double.class, id);
    return age.isEmpty() || age.get(0) == null ? 0 : age.get(0);
  }
}
