package dev.outboxrelay.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/** What MariaDB and MySQL servers share: Connector/J URLs and creating/dropping databases. */
abstract class AbstractDatabaseServer implements DatabaseServer {

  // Leaves room for "_<n>" within MySQL's 64-character identifier limit; no quoting surprises.
  private static final Pattern NAME_PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,47}");

  private final AtomicInteger databaseCounter = new AtomicInteger();

  @Override
  public String jdbcUrl(String databaseName) {
    return JdbcUrls.connectorJ(host(), port(), databaseName);
  }

  @Override
  public TestDatabase createDatabase(String namePrefix) {
    if (namePrefix == null || !NAME_PREFIX.matcher(namePrefix).matches()) {
      throw new IllegalArgumentException(
          "Database name prefix '" + namePrefix + "' must match " + NAME_PREFIX.pattern());
    }
    String name = namePrefix + "_" + databaseCounter.incrementAndGet();
    execute(
        "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        "create database " + name);
    return new TestDatabase(this, name);
  }

  void dropDatabase(String name) {
    execute("DROP DATABASE IF EXISTS `" + name + "`", "drop database " + name);
  }

  private void execute(String sql, String what) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl(""), username(), password());
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "Could not " + what + " on " + host() + ":" + port() + ": " + e.getMessage(), e);
    }
  }
}
