package dev.outboxrelay.relay.boot;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * A JDBC driver the database URL asks for that the relay jar does not ship (e.g. {@code
 * jdbc:mariadb://} asks for {@code org.mariadb.jdbc.Driver}): said in Spring Boot's "APPLICATION
 * FAILED TO START" block, with the URL to use instead, rather than as a {@code
 * ClassNotFoundException} five causes deep. The jar ships MySQL Connector/J, which speaks to
 * MariaDB too.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class MissingJdbcDriverFailureAnalyzer
    extends AbstractFailureAnalyzer<ClassNotFoundException> {

  private static final String MARIADB_DRIVER = "org.mariadb.jdbc.Driver";

  @Override
  protected @Nullable FailureAnalysis analyze(Throwable rootFailure, ClassNotFoundException cause) {
    String missing = cause.getMessage();
    if (missing == null || !(missing.endsWith("Driver") || missing.endsWith("DataSource"))) {
      return null; // not a JDBC driver: Boot's own analysis
    }
    String description =
        "The database URL (spring.datasource.url) needs the JDBC driver "
            + missing
            + ", which is not on the class path: the relay jar ships MySQL Connector/J"
            + " (com.mysql.cj.jdbc.Driver) only.";
    String action =
        missing.equals(MARIADB_DRIVER)
            ? "Use a jdbc:mysql:// URL for MariaDB too (e.g. jdbc:mysql://db:3306/shop):"
                + " Connector/J speaks to MariaDB 10.6+. Set it in SPRING_DATASOURCE_URL."
            : "Give a jdbc:mysql:// URL (MySQL 8 or MariaDB 10.6+) in SPRING_DATASOURCE_URL, and"
                + " leave spring.datasource.driver-class-name unset.";
    return new FailureAnalysis(description, action, cause);
  }
}
