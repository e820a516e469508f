package dev.outboxrelay.bench;

import dev.outboxrelay.internal.Lanes;
import dev.outboxrelay.internal.MessageIds;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongFunction;
import javax.sql.DataSource;

/**
 * PENDING rows written straight into {@code t_msg} with batched JDBC, as a busy service leaves
 * them.
 */
final class Backlog {
  static final int PAYLOAD_BYTES = 300;

  private static final String INSERT =
      """
      INSERT INTO t_msg (msg_id, ref_type, ref_id, topic, msg_key, payload, headers, msg_bytes, lane,
                         status, attempts, next_attempt_at, created_at)
      VALUES (?, 1, ?, ?, ?, ?, NULL, %d, ?, ?, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))"""
          .formatted(PAYLOAD_BYTES);

  private static final int BATCH = 1_000;
  private static final int COMMIT_EVERY = 10_000;

  private Backlog() {}

  /** The key of message {@code seq}: {@code keys} customers in turn, so every lane gets rows. */
  static String key(long seq, int keys) {
    return "customer-" + (seq % keys);
  }

  /** A payload of exactly {@link #PAYLOAD_BYTES} ASCII bytes, different for every message. */
  static byte[] payload(long seq, String key) {
    StringBuilder json = new StringBuilder(PAYLOAD_BYTES);
    json.append("{\"orderId\":")
        .append(seq)
        .append(",\"customer\":\"")
        .append(key)
        .append("\",\"amount\":")
        .append(10 + seq % 990)
        .append(".50,\"note\":\"");
    long x = seq * 0x9E3779B97F4A7C15L;
    while (json.length() < PAYLOAD_BYTES - 2) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      json.append((char) ('a' + (int) ((x >>> 1) % 26)));
    }
    json.append("\"}");
    return json.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Inserts message {@code seq} as one PENDING row on {@code connection}, in its transaction;
   * returns the row's id.
   */
  static long insertOne(Connection connection, String topic, String key, long seq)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS)) {
      bind(insert, topic, key, seq, Bench.LANES, true);
      insert.executeUpdate();
      return SteadyPublisher.generatedId(insert);
    }
  }

  private static void bind(
      PreparedStatement insert, String topic, String key, long seq, int lanes, boolean pending)
      throws SQLException {
    insert.setString(1, MessageIds.next()); // as send writes it (schema V4)
    insert.setString(2, "backlog-" + seq);
    insert.setString(3, topic);
    insert.setString(4, key);
    insert.setBytes(5, payload(seq, key));
    insert.setInt(6, Lanes.laneOf(key, lanes));
    insert.setInt(7, pending ? 0 : 1);
  }

  /** Inserts {@code rows} PENDING messages; returns the nanoseconds it took. */
  static long fill(DataSource dataSource, String topic, int rows, int keys, int lanes) {
    return fill(dataSource, topic, rows, seq -> key(seq, keys), lanes, 1, COMMIT_EVERY);
  }

  /** The same, message {@code seq} with key {@code keyOf.apply(seq)}. */
  static long fill(
      DataSource dataSource, String topic, int rows, LongFunction<String> keyOf, int lanes) {
    return fill(dataSource, topic, rows, keyOf, lanes, 1, COMMIT_EVERY);
  }

  /**
   * The same in one transaction: a relay already running sees the whole backlog at once, at the
   * commit.
   */
  static long fillInOneTransaction(
      DataSource dataSource, String topic, int rows, LongFunction<String> keyOf, int lanes) {
    return fill(dataSource, topic, rows, keyOf, lanes, 1, Integer.MAX_VALUE);
  }

  /**
   * Inserts {@code rows} messages of which one in {@code pendingEvery} is PENDING and the others
   * SENT (published, not yet purged), without logging them in the binary log (a table a relay has
   * worked through, not a measured drain); returns the nanoseconds it took.
   */
  static long fillWithSent(
      DataSource dataSource, String topic, int rows, int keys, int lanes, int pendingEvery) {
    return fill(dataSource, topic, rows, seq -> key(seq, keys), lanes, pendingEvery, COMMIT_EVERY);
  }

  /** One row in {@code every}, spread over the keys (row i has key i mod keys). */
  private static boolean pending(long seq, int every) {
    return every == 1 || Math.floorMod(Long.hashCode(seq * 0x9E3779B97F4A7C15L), every) == 0;
  }

  private static long fill(
      DataSource dataSource,
      String topic,
      int rows,
      LongFunction<String> keyOf,
      int lanes,
      int pendingEvery,
      int commitEvery) {
    long started = System.nanoTime();
    try (Connection connection = dataSource.getConnection()) {
      if (pendingEvery > 1) {
        try (Statement session = connection.createStatement()) {
          session.execute("SET SESSION sql_log_bin = 0");
        }
      }
      connection.setAutoCommit(false);
      try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
        for (int i = 0; i < rows; i++) {
          bind(insert, topic, keyOf.apply(i), i, lanes, pending(i, pendingEvery));
          insert.addBatch();
          if ((i + 1) % BATCH == 0 || i + 1 == rows) {
            insert.executeBatch();
          }
          if ((i + 1) % commitEvery == 0 || i + 1 == rows) {
            connection.commit();
          }
        }
      }
      connection.setAutoCommit(true);
      if (pendingEvery > 1) {
        try (Statement session = connection.createStatement()) {
          session.execute("SET SESSION sql_log_bin = 1"); // the pool's connection lives on
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not write the backlog: " + e, e);
    }
    return System.nanoTime() - started;
  }
}
