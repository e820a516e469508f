package dev.outboxrelay.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The databases the outbox's SQL is written for — MySQL 8.0+ and MariaDB 10.6+ ({@code FOR UPDATE
 * SKIP LOCKED}, JSON, {@code UTC_TIMESTAMP(3)}) — checked at start-up from JDBC metadata, so that
 * another database fails with one clear line instead of a syntax error at the first statement. A
 * node of a multi-primary cluster (Galera with {@code wsrep_on=ON}, Group Replication in
 * multi-primary mode) is refused too: the key lock and {@code FOR UPDATE SKIP LOCKED} hold on one
 * node only, so writers and relays on two nodes would neither wait for each other nor skip each
 * other's rows.
 */
public final class SupportedDatabase {
  private static final Logger log = LoggerFactory.getLogger(SupportedDatabase.class);
  private static final String SUPPORTED = "the outbox runs on MySQL 8.0+ and MariaDB 10.6+";
  // MariaDB before 11 prefixes its version with "5.5.5-" for old MySQL clients.
  private static final Pattern VERSION = Pattern.compile("^(?:5\\.5\\.5-)?(\\d+)\\.(\\d+)");
  private static final String SINGLE_WRITER =
      ": the outbox needs a single-writer database, since its key lock and FOR UPDATE SKIP LOCKED"
          + " hold on one node only (two nodes would publish the same messages, out of order);"
          + " point it at a single primary";
  // SHOW VARIABLES needs no privilege and lists only the variables the server has: wsrep_on is
  // in every MariaDB (OFF without Galera), the group replication one only with its plugin loaded.
  private static final String CLUSTER_VARIABLES =
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN"
          + " ('wsrep_on', 'group_replication_single_primary_mode')";

  private SupportedDatabase() {}

  /**
   * Checks the database behind {@code dataSource}. A database that cannot be reached now is not
   * refused (it may be starting; the first statements will tell), only logged.
   *
   * @throws DatabaseRefusedException if the database is neither MySQL 8.0+ nor MariaDB 10.6+, or is
   *     a node of a multi-primary cluster, or refuses the DataSource's user; the message names what
   *     was found
   */
  public static void check(DataSource dataSource) {
    SQLException unreachable = checkIfReachable(dataSource);
    if (unreachable != null) {
      log.warn(
          "could not check the database product and cluster mode at start-up: {}",
          unreachable.toString());
    }
  }

  /**
   * {@link #check}, without the log line.
   *
   * @return null when the database was checked; why it could not be reached, when it could not
   * @throws DatabaseRefusedException as {@link #check}
   */
  static @Nullable SQLException checkIfReachable(DataSource dataSource) {
    String product;
    String version;
    Map<String, String> cluster;
    try (Connection connection = dataSource.getConnection()) {
      DatabaseMetaData metadata = connection.getMetaData();
      product = metadata.getDatabaseProductName();
      version = metadata.getDatabaseProductVersion();
      String problem = problem(product, version);
      if (problem != null) {
        throw refused(problem);
      }
      cluster = clusterVariables(connection);
    } catch (SQLException e) {
      SQLException denied = accessDenial(e);
      if (denied != null) {
        // not an outage that may pass: the same credentials will be refused on every retry
        throw new DatabaseRefusedException(
            (denied.getErrorCode() == 1044
                    ? "the database refused the user access to the database: "
                    : "the database refused the credentials: ")
                + denied.getMessage(),
            "Check the DataSource's URL (its database name), user name and password"
                + " (spring.datasource.url, spring.datasource.username and"
                + " spring.datasource.password in Spring Boot; SPRING_DATASOURCE_URL, _USERNAME and"
                + " _PASSWORD for the relay, from the chart's values and Secret) and the user's"
                + " grants on the database.");
      }
      return e;
    }
    String problem = multiPrimaryProblem(cluster);
    if (problem != null) {
      throw refused(problem);
    }
    return null;
  }

  /**
   * The server refusing the user, if that is what {@code e} or a cause of it is: a wrong password
   * or an unknown user (MySQL error 1045, SQLSTATE 28000), no access to the database (1044), or an
   * authentication plugin that refuses it (1698). Returns the driver's exception (a pool wraps it),
   * or null.
   */
  static @Nullable SQLException accessDenial(Throwable e) {
    SQLException denial = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && ("28000".equals(sql.getSQLState())
              || sql.getErrorCode() == 1044
              || sql.getErrorCode() == 1045
              || sql.getErrorCode() == 1698)) {
        denial = sql; // the deepest: a pool's timeout copies the driver's SQL state, not its text
      }
    }
    return denial;
  }

  /**
   * The server's {@code wsrep_on} and {@code group_replication_single_primary_mode}, if it has
   * them.
   */
  static Map<String, String> clusterVariables(Connection connection) throws SQLException {
    Map<String, String> variables = new HashMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(CLUSTER_VARIABLES)) {
      while (rows.next()) {
        variables.put(rows.getString(1).toLowerCase(Locale.ROOT), rows.getString(2));
      }
    }
    return variables;
  }

  /**
   * Why a server with these global {@code variables} (name in lower case → value, as {@code SHOW
   * VARIABLES} gives them) cannot run the outbox: a Galera node or a multi-primary Group
   * Replication member; null when it can.
   */
  static @Nullable String multiPrimaryProblem(Map<String, String> variables) {
    if (on(variables.get("wsrep_on"))) {
      return "the database is a Galera cluster node (wsrep_on=ON)" + SINGLE_WRITER;
    }
    String singlePrimary = variables.get("group_replication_single_primary_mode");
    if (singlePrimary != null && !on(singlePrimary)) {
      return "the database is a Group Replication member in multi-primary mode"
          + " (group_replication_single_primary_mode=OFF)"
          + SINGLE_WRITER;
    }
    return null;
  }

  private static boolean on(@Nullable String value) {
    return value != null
        && (value.equalsIgnoreCase("ON") || value.equals("1") || value.equalsIgnoreCase("TRUE"));
  }

  /**
   * Why {@code product} at {@code version} (as JDBC's {@code DatabaseMetaData} names them) cannot
   * run the outbox; null when it can.
   */
  static @Nullable String problem(@Nullable String product, @Nullable String version) {
    String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
    String text = version == null ? "" : version;
    boolean mariaDb = name.contains("mariadb") || text.toLowerCase(Locale.ROOT).contains("mariadb");
    boolean mySql = name.contains("mysql");
    Matcher numbers = VERSION.matcher(text);
    if ((mariaDb || mySql) && numbers.find()) {
      int major = Integer.parseInt(numbers.group(1));
      int minor = Integer.parseInt(numbers.group(2));
      boolean recentEnough = mariaDb ? major > 10 || (major == 10 && minor >= 6) : major >= 8;
      if (recentEnough) {
        return null;
      }
    }
    String found = mariaDb ? "MariaDB" : product;
    return "unsupported database " + found + " " + text + ": " + SUPPORTED;
  }

  private static DatabaseRefusedException refused(String problem) {
    return new DatabaseRefusedException(
        problem,
        "Point the DataSource at a single-writer MySQL 8.0+ or MariaDB 10.6+ server"
            + " (docs/service.md, \"The database it runs on\").");
  }
}
