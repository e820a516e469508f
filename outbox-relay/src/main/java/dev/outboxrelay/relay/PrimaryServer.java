package dev.outboxrelay.relay;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Whether a connection's server can be shown to be a primary, one that has seen every commit: it is
 * writable ({@code read_only} and {@code innodb_read_only} OFF) and replicates from nothing ({@code
 * SHOW REPLICA STATUS} on MySQL, {@code SHOW ALL SLAVES STATUS} on MariaDB, list no source).
 * Reading the replication status needs a privilege a user with only {@code SELECT} lacks ({@code
 * REPLICATION CLIENT} on MySQL, {@code SLAVE MONITOR} on MariaDB): without it the server's role is
 * not proven. A promoted replica still listing its old source (no {@code RESET REPLICA ALL}) is not
 * proven either.
 */
final class PrimaryServer {
  private static final int ACCESS_DENIED = 1227; // ER_SPECIFIC_ACCESS_DENIED_ERROR
  private static final int SYNTAX_ERROR = 1064; // MySQL 8.0 before 8.0.22: SHOW SLAVE STATUS

  private PrimaryServer() {}

  /**
   * Null when the server behind {@code connection} is shown to be a primary; else why not, one
   * clause naming what was found.
   *
   * @throws SQLException if the connection fails
   */
  static @Nullable String whyNotProven(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      try (ResultSet flags =
          statement.executeQuery("SELECT @@global.read_only, @@global.innodb_read_only")) {
        flags.next();
        if (flags.getBoolean(1) || flags.getBoolean(2)) {
          return "it is read-only (read_only or innodb_read_only is ON), as a replica is";
        }
      }
      boolean mariaDb =
          connection
              .getMetaData()
              .getDatabaseProductVersion()
              .toLowerCase(Locale.ROOT)
              .contains("mariadb");
      String show = mariaDb ? "SHOW ALL SLAVES STATUS" : "SHOW REPLICA STATUS";
      SQLException failure = null;
      int sources = 0;
      try {
        sources = rows(statement, show);
      } catch (SQLException e) {
        failure = e;
      }
      if (failure != null && !mariaDb && failure.getErrorCode() == SYNTAX_ERROR) {
        show = "SHOW SLAVE STATUS";
        failure = null;
        try {
          sources = rows(statement, show);
        } catch (SQLException e) {
          failure = e;
        }
      }
      if (failure != null) {
        return failure.getErrorCode() == ACCESS_DENIED
            ? "its user may not run "
                + show
                + " to tell whether it is a replica (grant it "
                + (mariaDb ? "SLAVE MONITOR" : "REPLICATION CLIENT")
                + ")"
            : "could not run " + show + " to tell whether it is a replica: " + failure.getMessage();
      }
      return sources == 0
          ? null
          : "it is a replica: " + show + " lists " + sources + " replication source(s)";
    }
  }

  private static int rows(Statement statement, String sql) throws SQLException {
    int count = 0;
    try (ResultSet rows = statement.executeQuery(sql)) {
      while (rows.next()) {
        count++;
      }
    }
    return count;
  }
}
