package dev.outboxrelay.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The databases the outbox's SQL is written for — MySQL 8.0+ and MariaDB 10.6+ ({@code FOR UPDATE
 * SKIP LOCKED}, JSON, {@code UTC_TIMESTAMP(3)}) — checked at start-up from JDBC metadata, so that
 * another database fails with one clear line instead of a syntax error at the first statement.
 */
public final class SupportedDatabase {
  private static final Logger log = LoggerFactory.getLogger(SupportedDatabase.class);
  private static final String SUPPORTED = "the outbox runs on MySQL 8.0+ and MariaDB 10.6+";
  // MariaDB before 11 prefixes its version with "5.5.5-" for old MySQL clients.
  private static final Pattern VERSION = Pattern.compile("^(?:5\\.5\\.5-)?(\\d+)\\.(\\d+)");

  private SupportedDatabase() {}

  /**
   * Checks the database behind {@code dataSource}. A database that cannot be reached now is not
   * refused (it may be starting; the first statements will tell), only logged.
   *
   * @throws IllegalStateException if the database is neither MySQL 8.0+ nor MariaDB 10.6+; the
   *     message names the product and version found
   */
  public static void check(DataSource dataSource) {
    String product;
    String version;
    try (Connection connection = dataSource.getConnection()) {
      DatabaseMetaData metadata = connection.getMetaData();
      product = metadata.getDatabaseProductName();
      version = metadata.getDatabaseProductVersion();
    } catch (SQLException e) {
      log.warn("could not check the database product at start-up: {}", e.toString());
      return;
    }
    String problem = problem(product, version);
    if (problem != null) {
      throw new IllegalStateException(problem);
    }
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
}
