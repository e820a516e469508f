package dev.outboxrelay.internal;

import static dev.outboxrelay.internal.OutboxTables.bind;

import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The publish round's claim, for the fast path and the relay: the statements that pick rows to
 * publish, lock and load them ({@code FOR UPDATE SKIP LOCKED}), and ask the ordering guard's
 * question. Run them in the round's transaction: the locks they take hold until it ends. What the
 * round then records is {@link RoundOutcomes}'s.
 */
public final class RoundClaims {
  // The claims by id lock exactly the rows named, in id order, through the primary key: forced, as
  // the optimizer scans the whole table (and sorts) when the ids are a large share of its rows.
  private static final String CLAIM_FRESH =
      bind(
          """
          SELECT {COLUMNS} FROM {MESSAGES} FORCE INDEX (PRIMARY)
          WHERE id IN (:ids) AND status = {PENDING} AND attempts = 0 AND last_error IS NULL
          ORDER BY id
          FOR UPDATE SKIP LOCKED""");

  // The fast path's slice of a large batch: the fresh rows' sizes, read without locks.
  private static final String FRESH_SIZES =
      bind(
          """
          SELECT id, msg_bytes FROM {MESSAGES}
          WHERE id IN (:ids) AND status = {PENDING} AND attempts = 0 AND last_error IS NULL""");

  static final String CLAIM_IDS =
      bind(
          """
          SELECT {COLUMNS} FROM {MESSAGES} FORCE INDEX (PRIMARY)
          WHERE id IN (:ids) AND status = {PENDING} AND next_attempt_at <= UTC_TIMESTAMP(3)
          ORDER BY id
          FOR UPDATE SKIP LOCKED""");

  // The first step of the relay's claim: the candidates and their sizes, read without locking, one
  // part per lane of a worker's round, each walking idx_msg_claim in id order (no filesort), in
  // one statement. msg_bytes (V2) spares reading the payloads; it is NULL for older rows.
  private static final String CANDIDATES_PART =
      bind(
          """
          (SELECT id, lane, msg_bytes FROM {MESSAGES}
           WHERE lane = ? AND status = {PENDING} AND next_attempt_at <= UTC_TIMESTAMP(3) AND id > ?
           ORDER BY id LIMIT ?)""");

  // The size of candidates without msg_bytes: reads their payloads (rows written before V2 or by
  // other tools only).
  private static final String MEASURE =
      bind(
          """
          SELECT id, LENGTH(payload) + COALESCE(LENGTH(headers), 0) AS bytes FROM {MESSAGES}
          WHERE id IN (:ids)""");

  // The ordering guard, one part per claimed lane: the lane's unpublished (PENDING, or PREPARED,
  // which may still be confirmed) rows below the lane's newest claimed id that are not claimed,
  // from idx_msg_claim (the key is looked up for those rows only). All rows of a key share its
  // lane, so a lane's own newest claimed id bounds what can block its keys: one bound for all
  // lanes made every round read the busier lanes' rows up to the newest claimed id of the
  // quietest lane. The relay reads them all (for a batch of a lane's oldest rows they are few);
  // the fast path at most :limitN. Forced: with a LIMIT, on a lane of mostly SENT rows, the
  // optimizer scanned the primary key instead.
  private static final String UNCLAIMED_IN_LANE_PART =
      bind(
          """
          (SELECT id, lane, msg_key FROM {MESSAGES} FORCE INDEX (idx_msg_claim)
           WHERE lane = :lane%1$d AND status IN ({PENDING}, {PREPARED}) AND id < :maxId%1$d
             AND id NOT IN (:claimed%1$d)
           LIMIT :limit%1$d)""");

  // Where a lane holds more, the fast path asks by key within a window. An older unpublished row
  // of a key lies in the key's lane at or above that lane's oldest unpublished row: first that
  // row, per lane and status (one index dive each on idx_msg_claim; the claimed rows are PENDING,
  // so a lane always has one),
  private static final String OLDEST_UNPUBLISHED_PART =
      bind(
          """
          (SELECT :lane%1$d AS lane, MIN(id) AS oldest FROM {MESSAGES}
           WHERE lane = :lane%1$d AND status = {PENDING})
          UNION ALL
          (SELECT :lane%1$d AS lane, MIN(id) AS oldest FROM {MESSAGES}
           WHERE lane = :lane%1$d AND status = {PREPARED})""");

  // then the claimed keys' rows from there up: by the key index (idx_msg_by_key (msg_key) since
  // V5, a range over (msg_key, id); V4's idx_msg_key (msg_key, status, id)), or by the primary key
  // over the window, which the caller bounds: for a hot key and an old unpublished row below it
  // the optimizer scanned the whole table.
  private static final String KEY_ROWS_SINCE_PART =
      bind(
          """
          (SELECT id, msg_key FROM {MESSAGES}
           WHERE msg_key IN (:keys%1$d) AND id >= :from%1$d AND id < :maxId%1$d
             AND status IN ({PENDING}, {PREPARED}) AND id NOT IN (:claimed%1$d))""");

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

  public RoundClaims(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
    this.named = new NamedParameterJdbcTemplate(jdbc);
  }

  /**
   * The fast path's claim: locks and returns those of {@code ids} that were never attempted (no
   * attempt counted and no error recorded, so none a relay round put off), whatever their {@code
   * next_attempt_at} (the relay's delay), skipping rows locked by others.
   */
  public List<OutboxRow> claimFresh(Collection<Long> ids) {
    return claimInIdOrder(CLAIM_FRESH, ids);
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
    return claimInIdOrder(CLAIM_IDS, ids);
  }

  /** Runs a claim by ids, statements of {@link IdChunks} lowest ids first: rows in id order. */
  private List<OutboxRow> claimInIdOrder(String claim, Collection<Long> ids) {
    List<OutboxRow> rows = new ArrayList<>(ids.size());
    for (List<Long> chunk : IdChunks.ascending(ids)) {
      rows.addAll(named.query(claim, new MapSqlParameterSource("ids", chunk), ROW));
    }
    return rows;
  }

  /**
   * Locks and returns up to {@code batchSize} due rows of {@code lanes}, each lane's oldest first,
   * and together at most {@code maxBytes} of payload and headers (but at least one row), skipping
   * rows locked by others; the result is in id order. Each lane gets an even share of the batch;
   * the share of lanes with fewer due rows goes to the lanes that filled theirs (a second read of
   * those lanes only, after the rows already read), so that a round stays full when the due rows
   * sit in a few lanes (a few keys; per-key order does not need smaller rounds). Two steps: the
   * candidates and their sizes are read from idx_msg_claim without locking, then the rows within
   * the budget are locked through the primary key ({@link #claimIds}). A locking read of the index
   * itself would keep the index entries of the rows it skips locked until it commits, so the fast
   * path's UPDATE of those rows would wait for the relay.
   *
   * @param batchSize 1 or more
   * @param maxBytes the round's byte budget, at least 1; a single row larger than it is claimed
   *     alone
   * @return the rows, and whether some lane may have more due rows now (a lane's share came back
   *     full, or the budget left candidates out)
   */
  public LaneClaim claimLanes(List<Integer> lanes, int batchSize, long maxBytes) {
    if (lanes.isEmpty()) {
      return new LaneClaim(List.of(), false);
    }
    int share = Math.max(1, batchSize / lanes.size());
    List<Candidate> candidates = candidates(lanes, Map.of(), share);
    if (candidates.isEmpty()) {
      return new LaneClaim(List.of(), false);
    }
    Map<Integer, Long> lastIdOfFullLane = lastIdsOfFullLanes(candidates, share);
    boolean full = !lastIdOfFullLane.isEmpty();
    int left = batchSize - candidates.size();
    if (full && left > 0) {
      List<Integer> busy = List.copyOf(lastIdOfFullLane.keySet());
      int more = Math.max(1, left / busy.size());
      List<Candidate> next = candidates(busy, lastIdOfFullLane, more);
      candidates = new ArrayList<>(candidates);
      candidates.addAll(next);
      full = !lastIdsOfFullLanes(next, more).isEmpty();
    }
    List<Long> within = Candidate.withinBudget(candidates, maxBytes, this::measure);
    return new LaneClaim(claimIds(within), full || within.size() < candidates.size());
  }

  /** Up to {@code limit} candidates of each of {@code lanes}, after its id in {@code after}. */
  private List<Candidate> candidates(List<Integer> lanes, Map<Integer, Long> after, int limit) {
    Object[] args = new Object[lanes.size() * 3];
    for (int i = 0; i < lanes.size(); i++) {
      args[3 * i] = lanes.get(i);
      args[3 * i + 1] = after.getOrDefault(lanes.get(i), 0L);
      args[3 * i + 2] = limit;
    }
    return jdbc.query(
        candidatesSql(lanes.size()),
        (rs, n) -> {
          long bytes = rs.getLong("msg_bytes");
          boolean unknown = rs.wasNull(); // read before the other columns
          return new Candidate(rs.getLong("id"), rs.getInt("lane"), unknown ? -1 : bytes);
        },
        args);
  }

  /** The lanes that returned {@code limit} candidates, each with its last candidate's id. */
  private static Map<Integer, Long> lastIdsOfFullLanes(List<Candidate> candidates, int limit) {
    Map<Integer, Long> count = new TreeMap<>();
    Map<Integer, Long> last = new TreeMap<>();
    for (Candidate candidate : candidates) {
      count.merge(candidate.lane(), 1L, Long::sum);
      last.merge(candidate.lane(), candidate.id(), Math::max);
    }
    last.keySet().removeIf(lane -> count.getOrDefault(lane, 0L) < limit);
    return last;
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
    return String.join("\nUNION ALL\n", Collections.nCopies(lanes, CANDIDATES_PART));
  }

  /**
   * The ordering guard's question as the relay asks it, by lane: for each key of {@code claimed},
   * the id of its oldest unpublished row outside {@code claimed} in the claimed lanes (all rows of
   * a key share its lane), where that row is older than some claimed row.
   *
   * @param claimed the rows a publisher holds, any lanes and keys; empty gives an empty map
   * @return key to the id of its oldest blocking row, only for keys that are blocked
   */
  public Map<String, Long> firstBlockingIdsInLanes(List<OutboxRow> claimed) {
    Map<String, Long> result = new HashMap<>();
    unclaimedInLanes(byLane(claimed), Long.MAX_VALUE, result);
    return result;
  }

  /**
   * The ordering guard's question as the fast path asks it, for a batch of a lane's newest rows
   * (below them lies the lane's whole backlog): for each key of {@code claimed}, the id of its
   * oldest unpublished row outside {@code claimed}, where that row is older than some claimed row.
   * Per lane: its unpublished rows below, by lane, as the relay asks, when there are at most {@code
   * rowsPerLane} (one statement, the usual case); else the claimed keys' rows from the lane's
   * oldest unpublished row up, by key, when that row lies at most {@code windowIds} ids below (two
   * more statements; what they read is bounded by the window); else the lane's claimed keys map to
   * 0, "blocked by a row not read", and the relay publishes them.
   *
   * @param claimed the rows a publisher holds, any lanes and keys; empty gives an empty map
   * @param rowsPerLane 1 or more
   * @param windowIds 1 or more
   * @return key to the id of its oldest blocking row (or 0), only for keys that are blocked
   */
  public Map<String, Long> firstBlockingIdsByKey(
      List<OutboxRow> claimed, int rowsPerLane, long windowIds) {
    if (rowsPerLane < 1 || windowIds < 1) {
      throw new IllegalArgumentException(
          "rowsPerLane and windowIds must be 1 or more, were " + rowsPerLane + ", " + windowIds);
    }
    Map<Integer, List<OutboxRow>> byLane = byLane(claimed);
    byLane.values().removeIf(rows -> rows.stream().allMatch(row -> row.key() == null));
    Map<String, Long> result = new HashMap<>();
    Set<Integer> crowded = unclaimedInLanes(byLane, rowsPerLane, result);
    if (crowded.isEmpty()) {
      return result;
    }
    Map<Integer, List<OutboxRow>> windows = new TreeMap<>();
    Map<Integer, Long> oldest = oldestUnpublished(crowded);
    byLane.forEach(
        (lane, rows) -> {
          if (!crowded.contains(lane)) {
            return;
          }
          long maxId = rows.stream().mapToLong(OutboxRow::id).max().orElseThrow();
          if (maxId - oldest.getOrDefault(lane, 0L) <= windowIds) {
            windows.put(lane, rows);
          } else { // too far to read by key at every round: the relay publishes them
            rows.stream()
                .map(OutboxRow::key)
                .filter(Objects::nonNull)
                .forEach(key -> result.put(key, 0L));
          }
        });
    if (!windows.isEmpty()) {
      keyRowsSince(windows, oldest, result);
    }
    return result;
  }

  /**
   * Reads the unclaimed unpublished rows below each lane's newest claimed row, at most {@code
   * limit} per lane, into {@code result} (key to its oldest such row); returns the lanes with more.
   */
  private Set<Integer> unclaimedInLanes(
      Map<Integer, List<OutboxRow>> byLane, long limit, Map<String, Long> result) {
    if (byLane.isEmpty()) {
      return Set.of();
    }
    MapSqlParameterSource params = new MapSqlParameterSource();
    int part = 0;
    for (Map.Entry<Integer, List<OutboxRow>> lane : byLane.entrySet()) {
      List<Long> ids = lane.getValue().stream().map(OutboxRow::id).toList();
      params
          .addValue("lane" + part, lane.getKey())
          .addValue("maxId" + part, Collections.max(ids))
          .addValue("claimed" + part, ids)
          .addValue("limit" + part, limit == Long.MAX_VALUE ? limit : limit + 1);
      part++;
    }
    Set<String> keys =
        byLane.values().stream()
            .flatMap(List::stream)
            .map(OutboxRow::key)
            .filter(Objects::nonNull)
            .collect(Collectors.toSet());
    Map<Integer, Map<String, Long>> foundPerLane = new HashMap<>();
    Map<Integer, Integer> read = new HashMap<>();
    named.query(
        unclaimedInLanesSql(byLane.size()),
        params,
        (ResultSet rs) -> {
          int lane = rs.getInt("lane");
          read.merge(lane, 1, Integer::sum);
          String key = rs.getString("msg_key");
          if (key != null && keys.contains(key)) {
            foundPerLane
                .computeIfAbsent(lane, l -> new HashMap<>())
                .merge(key, rs.getLong("id"), Math::min);
          }
        });
    Set<Integer> crowded = new TreeSet<>();
    read.forEach(
        (lane, count) -> {
          if (count > limit) {
            crowded.add(lane);
          }
        });
    // a crowded lane's answer is incomplete: the caller asks again for its keys
    foundPerLane.forEach(
        (lane, found) -> {
          if (!crowded.contains(lane)) {
            found.forEach((key, id) -> result.merge(key, id, Math::min));
          }
        });
    return crowded;
  }

  /** The oldest PENDING or PREPARED row of each of {@code lanes}. */
  private Map<Integer, Long> oldestUnpublished(Set<Integer> lanes) {
    MapSqlParameterSource params = new MapSqlParameterSource();
    int part = 0;
    for (Integer lane : lanes) {
      params.addValue("lane" + part++, lane);
    }
    Map<Integer, Long> oldest = new HashMap<>();
    named.query(
        partsSql(OLDEST_UNPUBLISHED_PART, lanes.size()),
        params,
        (ResultSet rs) -> {
          long id = rs.getLong("oldest");
          if (!rs.wasNull()) {
            oldest.merge(rs.getInt("lane"), id, Math::min);
          }
        });
    return oldest;
  }

  /** Reads the lanes' claimed keys' unpublished rows from {@code oldest} up into {@code result}. */
  private void keyRowsSince(
      Map<Integer, List<OutboxRow>> lanes, Map<Integer, Long> oldest, Map<String, Long> result) {
    MapSqlParameterSource params = new MapSqlParameterSource();
    int part = 0;
    for (Map.Entry<Integer, List<OutboxRow>> lane : lanes.entrySet()) {
      List<OutboxRow> rows = lane.getValue();
      List<Long> ids = rows.stream().map(OutboxRow::id).toList();
      params
          .addValue(
              "keys" + part,
              rows.stream().map(OutboxRow::key).filter(Objects::nonNull).distinct().toList())
          .addValue("from" + part, oldest.getOrDefault(lane.getKey(), 0L))
          .addValue("maxId" + part, Collections.max(ids))
          .addValue("claimed" + part, ids);
      part++;
    }
    named.query(
        keyRowsSinceSql(lanes.size()),
        params,
        (ResultSet rs) -> {
          result.merge(rs.getString("msg_key"), rs.getLong("id"), Math::min);
        });
  }

  private static Map<Integer, List<OutboxRow>> byLane(List<OutboxRow> rows) {
    return rows.stream()
        .collect(Collectors.groupingBy(OutboxRow::lane, TreeMap::new, Collectors.toList()));
  }

  /** {@code part} (with {@code %1$d} for its number) {@code count} times, in a UNION ALL. */
  static String partsSql(String part, int count) {
    List<String> parts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      parts.add(part.formatted(i));
    }
    return String.join("\nUNION ALL\n", parts);
  }

  /**
   * The guard's statement by lane for {@code lanes} claimed lanes: parts 0 to {@code lanes - 1},
   * each with its {@code :laneN}, {@code :maxIdN}, {@code :claimedN} and {@code :limitN}.
   */
  static String unclaimedInLanesSql(int lanes) {
    return partsSql(UNCLAIMED_IN_LANE_PART, lanes);
  }

  /**
   * The fast path guard's second statement for {@code lanes} lanes: parts with {@code :keysN},
   * {@code :fromN}, {@code :maxIdN} and {@code :claimedN}.
   */
  static String keyRowsSinceSql(int lanes) {
    return partsSql(KEY_ROWS_SINCE_PART, lanes);
  }
}
