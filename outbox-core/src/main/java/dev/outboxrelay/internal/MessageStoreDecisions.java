package dev.outboxrelay.internal;

import static dev.outboxrelay.internal.OutboxTables.bind;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Message-store mode's decisions: the statements that make a PREPARED message PENDING or CANCELLED
 * once its business transaction is known to have committed or rolled back (the service after
 * completion, the relay's check-back), and the questions they are decided by: which business
 * message ids {@code t_msg_order} records (asked of the business database), which PREPARED rows
 * have waited long enough for the check-back (asked of the message database).
 */
public final class MessageStoreDecisions {
  // A PREPARED message becomes PENDING once its business transaction is known to have committed
  // (the service after commit, or the relay's check-back), or CANCELLED once it is known to have
  // rolled back. Both only from PREPARED, so the service and the check-back can race and the first
  // one wins; only a committed transaction's cancelled message comes back (REVIVE).
  private static final String CONFIRM =
      bind(
          """
          UPDATE {MESSAGES}
          SET status = {PENDING}, attempts = 0, last_error = NULL,
              next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL :delayMicros MICROSECOND)
          WHERE id IN (:ids) AND bus_msg_id IN (:busMsgIds) AND status = {PREPARED}""");

  // A message cancelled although its business transaction committed after all: the check-back
  // gave up on it (a transaction longer than check-back.transaction-timeout), or a concurrent
  // enlist of it was refused. Its transaction recorded it, so it must be published, late.
  private static final String REVIVE =
      bind(
          """
          UPDATE {MESSAGES}
          SET status = {PENDING}, attempts = 0, last_error = NULL, sent_at = NULL,
              next_attempt_at = UTC_TIMESTAMP(3)
          WHERE id IN (:ids) AND bus_msg_id IN (:busMsgIds) AND status = {CANCELLED}""");

  private static final String CANCEL =
      bind(
          """
          UPDATE {MESSAGES} SET status = {CANCELLED}, sent_at = UTC_TIMESTAMP(3)
          WHERE id IN (:ids) AND bus_msg_id IN (:busMsgIds) AND status = {PREPARED}""");

  // The check-back's question to the business database: which of these ids did a committed
  // transaction record? uk_msg_order_bus serves it.
  private static final String RECORDED_BUS_MSG_IDS =
      bind(
          """
          SELECT bus_msg_id FROM {ORDERS} WHERE bus_msg_id IN (:ids)""");

  // PREPARED rows older than the check-back's threshold, oldest first, one idx_msg_claim range per
  // lane (lane, PREPARED): there are few of them, the in-flight messages, so the sort is small.
  private static final String PREPARED_OLDER_THAN =
      bind(
          """
          SELECT id, bus_msg_id, TIMESTAMPDIFF(MICROSECOND, created_at, UTC_TIMESTAMP(3)) / 1e6 AS age
          FROM {MESSAGES}
          WHERE lane IN (:lanes) AND status = {PREPARED} AND id > :afterId
            AND created_at <= DATE_SUB(UTC_TIMESTAMP(3), INTERVAL :olderThanMicros MICROSECOND)
          ORDER BY id LIMIT :limit""");

  private final NamedParameterJdbcTemplate named;

  public MessageStoreDecisions(DataSource dataSource) {
    this.named = new NamedParameterJdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /**
   * Makes those of {@code messages} (id → business message id; a row whose business message id
   * differs is left alone) that are still PREPARED PENDING, due after {@code relayDelay} (the fast
   * path's head start); returns how many.
   */
  public int confirm(Map<Long, String> messages, Duration relayDelay) {
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
   * Makes those of {@code messages} (id → business message id) that are CANCELLED PENDING again,
   * due now: their business transaction is known to have committed after they were cancelled.
   * Returns how many.
   */
  public int revive(Map<Long, String> messages) {
    if (messages.isEmpty()) {
      return 0;
    }
    return named.update(REVIVE, byBusMsgId(messages));
  }

  /**
   * Makes those of {@code messages} (id → business message id) that are still PREPARED CANCELLED.
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
      List<Integer> lanes, Duration olderThan, long afterId, int limit) {
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
}
