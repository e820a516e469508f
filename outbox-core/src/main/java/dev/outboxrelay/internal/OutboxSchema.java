package dev.outboxrelay.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's DDL as it ships in outbox-core's jar (from {@code sql/mysql/}): versioned scripts to
 * run in order, each idempotent, in the database that holds the outbox tables.
 */
public final class OutboxSchema {
  private static final Logger log = LoggerFactory.getLogger(OutboxSchema.class);

  private static final String COUNT_TABLE =
      "SELECT COUNT(*) FROM information_schema.tables"
          + " WHERE table_schema = DATABASE() AND table_name = ?";
  private static final String COUNT_COLUMN =
      "SELECT COUNT(*) FROM information_schema.columns"
          + " WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?";

  private static final String COUNT_INDEX =
      "SELECT COUNT(*) FROM information_schema.statistics"
          + " WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?";

  /** Classpath locations of the MySQL 8 / MariaDB 10.6+ scripts, oldest first. */
  public static final List<String> MYSQL_SCRIPTS =
      List.of(
          "META-INF/outbox/sql/mysql/V1__outbox.sql",
          "META-INF/outbox/sql/mysql/V2__sizes_and_key_locks.sql",
          "META-INF/outbox/sql/mysql/V3__message_store.sql",
          "META-INF/outbox/sql/mysql/V4__message_ids.sql",
          "META-INF/outbox/sql/mysql/V5__key_index_without_status.sql");

  private OutboxSchema() {}

  /**
   * Checks that the database behind {@code dataSource} holds the outbox tables at the version this
   * code needs (V2: {@code t_msg.msg_bytes} and {@code t_msg_key}; V3: {@code bus_msg_id} in {@code
   * t_msg} and {@code t_msg_order}; V4: {@code t_msg.msg_id}), so that a missing migration stops
   * start-up with one line saying which script to run, instead of failing every statement. V5 (the
   * key index without status) is not required: without it one line at INFO says what it saves. A
   * database that cannot be reached now is not refused, only logged.
   *
   * @throws DatabaseRefusedException naming the script to apply
   */
  public static void check(DataSource dataSource) {
    check(dataSource, false);
  }

  /**
   * Message-store mode's business database: checks only {@code t_msg_order} at version 3 (with
   * {@code bus_msg_id}), all that the write path and the check-back use there; a user that may read
   * nothing but {@code t_msg_order} passes. As {@link #check} otherwise.
   *
   * @throws DatabaseRefusedException naming the script to apply
   */
  public static void checkBusinessTables(DataSource dataSource) {
    check(dataSource, true);
  }

  private static void check(DataSource dataSource, boolean ordersOnly) {
    SQLException unreachable = checkIfReachable(dataSource, ordersOnly);
    if (unreachable != null) {
      log.warn("could not check the outbox schema at start-up: {}", unreachable.toString());
    }
  }

  /**
   * {@link #check} ({@link #checkBusinessTables} with {@code ordersOnly}), without the log line.
   *
   * @return null when the schema was checked; why the database could not be reached, when not
   * @throws DatabaseRefusedException naming the script to apply
   */
  static @Nullable SQLException checkIfReachable(DataSource dataSource, boolean ordersOnly) {
    String problem;
    try (Connection connection = dataSource.getConnection()) {
      problem = ordersOnly ? ordersProblem(connection) : problem(connection);
    } catch (SQLException e) {
      return e;
    }
    if (problem != null) {
      throw new DatabaseRefusedException(
          problem,
          "Apply the scripts it names (docs/service.md, \"The schema\" and \"Upgrading\"),"
              + " then start again.");
    }
    return null;
  }

  private static @Nullable String ordersProblem(Connection connection) throws SQLException {
    if (count(connection, COUNT_TABLE, "t_msg_order") == 0) {
      return "no table t_msg_order in business database "
          + connection.getCatalog()
          + " (or no right to read it): create it with the scripts of sql/mysql/ (V1__outbox.sql"
          + " to V3__message_store.sql; also in the jar under META-INF/outbox/sql/mysql/)";
    }
    if (count(connection, COUNT_COLUMN, "t_msg_order", "bus_msg_id") == 0) {
      return "t_msg_order of database "
          + connection.getCatalog()
          + " has no bus_msg_id: apply sql/mysql/V3__message_store.sql (also in the jar under"
          + " META-INF/outbox/sql/mysql/) before starting this version (docs/service.md, \"Upgrading\", and CHANGELOG.md)";
    }
    return null;
  }

  private static @Nullable String problem(Connection connection) throws SQLException {
    String database = connection.getCatalog();
    if (count(connection, COUNT_TABLE, "t_msg") == 0) {
      return "no outbox table t_msg in database "
          + database
          + ": create it with the scripts of sql/mysql/ in order (V1__outbox.sql, then"
          + " V2__sizes_and_key_locks.sql, V3__message_store.sql, V4__message_ids.sql, then V5__key_index_without_status.sql; also in"
          + " the jar under META-INF/outbox/sql/mysql/)";
    }
    if (count(connection, COUNT_COLUMN, "t_msg", "msg_bytes") == 0
        || count(connection, COUNT_TABLE, "t_msg_key") == 0) {
      return "the outbox tables of database "
          + database
          + " are at schema version 1: apply sql/mysql/V2__sizes_and_key_locks.sql, then"
          + " V3__message_store.sql and V4__message_ids.sql (also in the jar under"
          + " META-INF/outbox/sql/mysql/) before"
          + " starting this version (docs/service.md,"
          + " \"Upgrading\", and CHANGELOG.md)";
    }
    if (count(connection, COUNT_COLUMN, "t_msg", "bus_msg_id") == 0
        || count(connection, COUNT_COLUMN, "t_msg_order", "bus_msg_id") == 0) {
      return "the outbox tables of database "
          + database
          + " are at schema version 2: apply sql/mysql/V3__message_store.sql, then"
          + " V4__message_ids.sql (also in the jar under META-INF/outbox/sql/mysql/) before"
          + " starting this version (docs/service.md, \"Upgrading\", and CHANGELOG.md)";
    }
    if (count(connection, COUNT_COLUMN, "t_msg", "msg_id") == 0) {
      return "the outbox tables of database "
          + database
          + " are at schema version 3: apply sql/mysql/V4__message_ids.sql (also in the jar"
          + " under META-INF/outbox/sql/mysql/) before starting this version (docs/service.md,"
          + " \"Upgrading\", and CHANGELOG.md)";
    }
    if (count(connection, COUNT_INDEX, "t_msg", "idx_msg_by_key") == 0) {
      log.info(
          "the outbox tables of database {} are at schema version 4: apply"
              + " sql/mysql/V5__key_index_without_status.sql (online; also in the jar under"
              + " META-INF/outbox/sql/mysql/) so that marking a message SENT rewrites one index"
              + " less (docs/service.md, \"Upgrading\")",
          database);
    }
    return null;
  }

  private static int count(Connection connection, String sql, String... args) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        statement.setString(i + 1, args[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  /** {@link #MYSQL_SCRIPTS} as an array, for {@code runScript(String...)}-style callers. */
  public static String[] mysqlScripts() {
    return MYSQL_SCRIPTS.toArray(String[]::new);
  }
}
