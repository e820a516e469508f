package dev.outboxrelay.internal;

import static dev.outboxrelay.internal.OutboxTables.bind;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The publish round's records of what became of the rows it claimed ({@link RoundClaims}), for the
 * fast path and the relay: sent (or deleted), put off, retried later, deferred, dead; and the
 * acknowledgements that came after their round ({@link InFlightRows}). Every verb but the late ones
 * expects the rows still PENDING and locked by the caller's transaction, and throws {@link
 * IllegalStateException} when they are not, so the round rolls back.
 */
public final class RoundOutcomes {
  // Also a late acknowledgement, recorded outside the round: the row is locked by no round of
  // ours, and one that another publisher recorded meanwhile is left as it is.
  private static final String MARK_SENT =
      bind(
          """
          UPDATE {MESSAGES} SET status = {SENT}, sent_at = UTC_TIMESTAMP(3), attempts = attempts + 1
          WHERE id IN (:ids) AND status = {PENDING}""");

  // Rows whose records a round stopped waiting for while its producer still held them: not due
  // until that producer has surely given up (InFlightRows). The error also keeps the fast path
  // from claiming such a row as fresh.
  private static final String PUT_OFF =
      bind(
          """
          UPDATE {MESSAGES}
          SET next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL :delayMicros MICROSECOND),
              last_error = :error
          WHERE id IN (:ids) AND status = {PENDING}""");

  // Through the primary key, forced (the multi-table form takes index hints on MySQL too): on a
  // small table the optimizer scans it, and a DELETE that scans waits for every row another
  // transaction holds, an uncommitted INSERT included, and deadlocks with another worker's.
  private static final String DELETE_SENT =
      bind(
          """
          DELETE {MESSAGES} FROM {MESSAGES} FORCE INDEX (PRIMARY)
          WHERE id IN (:ids) AND status = {PENDING}""");

  private static final String MARK_RETRY =
      bind(
          """
          UPDATE {MESSAGES}
          SET attempts = attempts + 1,
              next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND),
              last_error = ?
          WHERE id = ? AND status = {PENDING}""");

  private static final String MARK_DEFERRED =
      bind(
          """
          UPDATE {MESSAGES}
          SET next_attempt_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND), last_error = ?
          WHERE id = ? AND status = {PENDING}""");

  // A topic that works again: the rows of it still put off by its backoff. Read without locking
  // from idx_msg_claim (the lanes' PENDING rows only), a slice at a time in id order; then locked
  // through the primary key, skipping rows a round holds (it is publishing them), and made due.
  private static final String WAITING_OF_TOPIC =
      bind(
          """
          SELECT id FROM {MESSAGES}
          WHERE lane IN (:lanes) AND status = {PENDING} AND id > :afterId AND topic = :topic
            AND next_attempt_at > UTC_TIMESTAMP(3)
          ORDER BY id LIMIT :limit""");

  private static final String LOCK_WAITING =
      bind(
          """
          SELECT id FROM {MESSAGES}
          WHERE id IN (:ids) AND status = {PENDING} AND next_attempt_at > UTC_TIMESTAMP(3)
          FOR UPDATE SKIP LOCKED""");

  private static final String MAKE_DUE =
      bind(
          """
          UPDATE {MESSAGES} SET next_attempt_at = UTC_TIMESTAMP(3)
          WHERE id IN (:ids) AND status = {PENDING}""");

  private static final int MAKE_DUE_SLICE = 1000;

  private static final String MARK_DEAD =
      bind(
          """
          UPDATE {MESSAGES} SET status = {DEAD}, attempts = attempts + 1, last_error = ?
          WHERE id = ? AND status = {PENDING}""");

  private static final int LAST_ERROR_MAX = 1000;

  private final JdbcTemplate jdbc;
  private final NamedParameterJdbcTemplate named;

  public RoundOutcomes(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
    this.named = new NamedParameterJdbcTemplate(jdbc);
  }

  /** Marks claimed, acknowledged rows SENT; every one must still be PENDING. */
  public void markSent(Collection<Long> ids) {
    updateAll(MARK_SENT, ids);
  }

  /**
   * Deletes claimed, acknowledged rows instead of keeping them as SENT, in statements of at most
   * {@value IdChunks#MAX_IDS} ids through the primary key, lowest first ({@link IdChunks}). Bench
   * [6] (1,000 keys, batch 2,000; bench/README.md): one statement per row drained at 0.64× the rate
   * of marking SENT in one run, these statements at 1.45× in another.
   */
  public void deleteSent(Collection<Long> ids) {
    int deleted = deleteAll(ids);
    long missed = ids.size() - deleted;
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
  public void putOff(Collection<Long> ids, Duration delay, String error) {
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
    return ids.isEmpty() ? 0 : named.update(MARK_SENT, new MapSqlParameterSource("ids", ids));
  }

  /**
   * Records acknowledgements that came after their round with {@code on-ack=delete}: deletes those
   * of {@code ids} still PENDING (as {@link #deleteSent}); returns how many.
   */
  public int deleteLateSent(Collection<Long> ids) {
    return deleteAll(ids);
  }

  /** Deletes those of {@code ids} still PENDING, statements of {@link IdChunks}; how many. */
  private int deleteAll(Collection<Long> ids) {
    int deleted = 0;
    for (List<Long> chunk : IdChunks.ascending(ids)) {
      deleted += named.update(DELETE_SENT, new MapSqlParameterSource("ids", chunk));
    }
    return deleted;
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
}
