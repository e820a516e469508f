package dev.outboxrelay.internal;

import static dev.outboxrelay.internal.OutboxTables.bind;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The relay's repairs after the database's clock stepped back: its reading of that clock, the
 * leases ({@code shedlock}) and PENDING messages ({@code next_attempt_at}) that lie further ahead
 * of it than any relay writes, and the statements that cut them back. When and how far is the
 * relay's {@code ClockStep}'s to decide.
 */
public final class ClockStepRepairs {
  // one statement per family of locks: the names it covers and the longest hold a relay writes
  private static final String CAP_LOCKS =
      bind(
          """
          UPDATE {LEASES} SET lock_until = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL :holdMicros MICROSECOND)
          WHERE name LIKE :names
            AND lock_until > DATE_ADD(UTC_TIMESTAMP(3), INTERVAL :limitMicros MICROSECOND)\
          """);

  private static final String SUSPECT_LOCKS =
      bind(
          """
          SELECT COUNT(*) FROM {LEASES}
          WHERE lock_until > DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND)\
          """);

  // microseconds since a fixed instant, whatever the session's time zone
  private static final String DATABASE_NOW =
      "SELECT TIMESTAMPDIFF(MICROSECOND, '2000-01-01 00:00:00', UTC_TIMESTAMP(3))";

  // a slice of a lane's PENDING rows from idx_msg_claim (lane, status, id), with the verdict
  private static final String SLICE =
      bind(
          """
          SELECT id, next_attempt_at > DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND) AS implausible
          FROM {MESSAGES} WHERE lane = ? AND status = ? AND id > ? ORDER BY id LIMIT ?\
          """);

  private static final String MAKE_DUE =
      bind(
          """
          UPDATE {MESSAGES} SET next_attempt_at = UTC_TIMESTAMP(3)
          WHERE id IN (:ids) AND status = :pending
            AND next_attempt_at > DATE_ADD(UTC_TIMESTAMP(3), INTERVAL :limitMicros MICROSECOND)\
          """);

  private final JdbcTemplate jdbc;
  private final NamedParameterJdbcTemplate named;

  public ClockStepRepairs(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
    this.named = new NamedParameterJdbcTemplate(jdbc);
  }

  /** The database's clock: microseconds since 2000-01-01 UTC; null if it answered none. */
  public @Nullable Long databaseMicros() {
    return jdbc.queryForObject(DATABASE_NOW, Long.class);
  }

  /**
   * How many leases run out more than {@code limitMicros} after the database's now, by a plain read
   * (no row locked); null if it answered none.
   */
  public @Nullable Integer suspectLeases(long limitMicros) {
    return jdbc.queryForObject(SUSPECT_LOCKS, Integer.class, limitMicros);
  }

  /**
   * Cuts the leases of {@code family} that run out more than its limit after now to its hold;
   * returns how many.
   */
  public int capLeases(LeaseFamily family) {
    return named.update(
        CAP_LOCKS,
        new MapSqlParameterSource()
            .addValue("names", family.names())
            .addValue("holdMicros", family.holdMicros())
            .addValue("limitMicros", family.limitMicros()));
  }

  /**
   * A family of leases and the longest hold a relay writes for it.
   *
   * @param names a {@code LIKE} pattern of lock names
   * @param holdMicros what a lease that ran out too far ahead is cut to, from now
   * @param limitMicros how far ahead of now a lease may run out before it is cut
   */
  public record LeaseFamily(String names, long holdMicros, long limitMicros) {}

  /**
   * Up to {@code limit} PENDING rows of {@code lane} above {@code afterId}, in id order, read from
   * the lane index without locks: the ids of those due more than {@code limitMicros} after now, and
   * where the slice ended.
   */
  public Slice pendingSlice(int lane, long afterId, int limit, long limitMicros) {
    List<Long> implausible = new ArrayList<>();
    long[] last = {afterId};
    int[] rows = {0};
    jdbc.query(
        SLICE,
        rs -> {
          rows[0]++;
          last[0] = rs.getLong(1);
          if (rs.getBoolean(2)) {
            implausible.add(last[0]);
          }
        },
        limitMicros,
        lane,
        MessageStatus.PENDING.code(),
        afterId,
        limit);
    return new Slice(rows[0], last[0], implausible);
  }

  /**
   * @param rows how many rows the slice read
   * @param lastId the id of its last row ({@code afterId} when it read none)
   * @param implausible the ids of those due further ahead than the limit
   */
  public record Slice(int rows, long lastId, List<Long> implausible) {}

  /**
   * Makes those of {@code ids} that are still PENDING and due more than {@code limitMicros} after
   * now due now; returns how many.
   */
  public int makeDue(List<Long> ids, long limitMicros) {
    if (ids.isEmpty()) {
      return 0;
    }
    return named.update(
        MAKE_DUE,
        new MapSqlParameterSource()
            .addValue("ids", ids)
            .addValue("pending", MessageStatus.PENDING.code())
            .addValue("limitMicros", limitMicros));
  }
}
