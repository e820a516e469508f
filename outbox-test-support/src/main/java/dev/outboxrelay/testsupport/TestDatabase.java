package dev.outboxrelay.testsupport;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
  private final List<HikariDataSource> ownPools = new ArrayList<>();
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
      dataSource = pool("test-db-" + name, MAX_POOL_SIZE);
    }
    return dataSource;
  }

  /**
   * A connection pool of its own for one client of this database, as a separate process would have
   * (a relay whose lease renewals wait behind other clients' connections loses its leases); closed
   * with the database.
   *
   * @param purpose names the pool in Hikari's threads and logs
   * @param maxPoolSize 1 or more
   */
  public synchronized DataSource newPool(String purpose, int maxPoolSize) {
    if (closed) {
      throw new IllegalStateException("Test database " + name + " is closed (dropped)");
    }
    HikariDataSource pool = pool("test-db-" + name + "-" + purpose, maxPoolSize);
    ownPools.add(pool);
    return pool;
  }

  private HikariDataSource pool(String poolName, int maxPoolSize) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(poolName);
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(server.username());
    config.setPassword(server.password());
    config.setMaximumPoolSize(maxPoolSize);
    config.setMinimumIdle(Math.min(MIN_IDLE, maxPoolSize));
    config.setConnectionTimeout(10_000);
    return new HikariDataSource(config);
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
    ownPools.forEach(HikariDataSource::close);
    server.dropDatabase(name);
  }

  @Override
  public String toString() {
    return "TestDatabase[" + jdbcUrl + "]";
  }
}
