package dev.outboxrelay.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A fresh database with the outbox schema on the embedded MariaDB, so that phases never see each
 * other's rows, undo history or buffer pool pages of a hot table; closing drops it. Each user
 * (relay, writers, backlog loader) gets its own connection pool, as separate processes would have.
 */
final class BenchDatabase implements AutoCloseable {
  static final String[] SCHEMA =
      dev.outboxrelay.OutboxSchemaScripts.mysqlScripts().toArray(String[]::new);

  private final TestDatabase database;
  private final DatabaseServer server;
  private final List<HikariDataSource> pools = new ArrayList<>();
  final JdbcTemplate jdbc;

  private BenchDatabase(String prefix, int scripts) {
    server = TestServers.database();
    database = server.createDatabase(prefix);
    database.runScript(java.util.Arrays.copyOf(SCHEMA, scripts));
    jdbc = new JdbcTemplate(pool("admin", 2));
  }

  static BenchDatabase create(String prefix) {
    return new BenchDatabase(prefix, SCHEMA.length);
  }

  /** The same with the schema's first {@code scripts} versions only (an older schema). */
  static BenchDatabase create(String prefix, int scripts) {
    return new BenchDatabase(prefix, scripts);
  }

  String name() {
    return database.name();
  }

  /** The database itself, for a process of its own (the relay jar). */
  TestDatabase testDatabase() {
    return database;
  }

  /** A new pool of {@code size} connections, all opened now (no connection set-up is timed). */
  synchronized DataSource pool(String purpose, int size) {
    return pool(purpose, size, Map.of());
  }

  /** The same, with further Connector/J properties (e.g. statement caching). */
  synchronized DataSource pool(String purpose, int size, Map<String, String> driverProperties) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("bench-" + purpose);
    config.setJdbcUrl(database.jdbcUrl());
    driverProperties.forEach(config::addDataSourceProperty);
    config.setUsername(server.username());
    config.setPassword(server.password());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setConnectionTimeout(10_000);
    HikariDataSource pool = new HikariDataSource(config);
    pools.add(pool);
    return pool;
  }

  long count(String sql, Object... args) {
    Long count = jdbc.queryForObject(sql, Long.class, args);
    return count == null ? 0 : count;
  }

  long pending() {
    return count("SELECT COUNT(*) FROM t_msg WHERE status = 0");
  }

  /** The indexes of {@code t_msg} as the schema created them: "PRIMARY(id), idx_msg_claim(...)". */
  String indexes() {
    return String.join(
        ", ",
        jdbc.queryForList(
            """
            SELECT CONCAT(index_name, '(', GROUP_CONCAT(column_name ORDER BY seq_in_index), ')')
            FROM information_schema.statistics
            WHERE table_schema = DATABASE() AND table_name = 't_msg'
            GROUP BY index_name ORDER BY index_name = 'PRIMARY' DESC, index_name""",
            String.class));
  }

  /** The plan of a query: the columns of MariaDB's EXPLAIN that say how it reads. */
  String explain(String sql, Object... args) {
    StringBuilder plan = new StringBuilder();
    jdbc.query(
        "EXPLAIN " + sql,
        rs -> {
          if (plan.length() > 0) {
            plan.append(" / ");
          }
          plan.append("type=")
              .append(rs.getString("type"))
              .append(" key=")
              .append(rs.getString("key"))
              .append(" rows=")
              .append(rs.getString("rows"))
              .append(" extra=")
              .append(rs.getString("Extra"));
        },
        args);
    return plan.toString();
  }

  @Override
  public synchronized void close() {
    for (HikariDataSource pool : pools) {
      pool.close();
    }
    database.close();
  }
}
