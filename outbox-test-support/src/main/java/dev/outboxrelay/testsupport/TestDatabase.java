package dev.outboxrelay.testsupport;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/** A database created for one test (class) on a {@link DatabaseServer}; closing drops it. */
public final class TestDatabase implements AutoCloseable {

  private static final int MAX_POOL_SIZE = 10;
  // Few idle connections per pool: many test databases share one server's max_connections.
  private static final int MIN_IDLE = 2;

  private final AbstractDatabaseServer server;
  private final String name;
  private final String jdbcUrl;
  private HikariDataSource dataSource;
  private boolean closed;

  TestDatabase(AbstractDatabaseServer server, String name) {
    this.server = server;
    this.name = name;
    this.jdbcUrl = server.jdbcUrl(name);
  }

  public String name() {
    return name;
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** The server's user, for a client of its own (a process). */
  public String username() {
    return server.username();
  }

  /** The server's password, for a client of its own (a process). */
  public String password() {
    return server.password();
  }

  /** A connection pool (at most 10 connections) on this database, created on the first call. */
  public synchronized DataSource dataSource() {
    if (closed) {
      throw new IllegalStateException("Test database " + name + " is closed (dropped)");
    }
    if (dataSource == null) {
      HikariConfig config = new HikariConfig();
      config.setPoolName("test-db-" + name);
      config.setJdbcUrl(jdbcUrl);
      config.setUsername(server.username());
      config.setPassword(server.password());
      config.setMaximumPoolSize(MAX_POOL_SIZE);
      config.setMinimumIdle(MIN_IDLE);
      config.setConnectionTimeout(10_000);
      dataSource = new HikariDataSource(config);
    }
    return dataSource;
  }

  /**
   * Runs the SQL statements of classpath resources, in order, separated by ';', against this
   * database.
   */
  public void runScript(String... classpathResources) {
    for (String classpathResource : classpathResources) {
      ClassPathResource script = new ClassPathResource(classpathResource);
      if (!script.exists()) {
        throw new IllegalArgumentException(
            "No classpath resource '" + classpathResource + "' to run on test database " + name);
      }
      ResourceDatabasePopulator populator = new ResourceDatabasePopulator(script);
      populator.setSqlScriptEncoding(StandardCharsets.UTF_8.name());
      populator.execute(dataSource());
    }
  }

  /** Closes the pool and drops the database. Closing again does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (dataSource != null) {
      dataSource.close();
    }
    server.dropDatabase(name);
  }

  @Override
  public String toString() {
    return "TestDatabase[" + jdbcUrl + "]";
  }
}
