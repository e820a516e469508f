package dev.outboxrelay.internal;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The store's contract on a real server, one test class per class of statements ({@link
 * OutboxWritesTests}, {@link RoundClaimsTests}, {@link RoundOutcomesTests}, {@link
 * MessageStoreDecisionsTests}, {@link OutboxMaintenanceTests}, {@link RelayMembersTests}, {@link
 * ClockStepRepairsTests}): what each statement claims, skips, refuses and counts. Each test gets a
 * fresh database holding the schema on the test server: MariaDB 11.4 (with {@code
 * -Doutbox.test.servers=testcontainers}, MySQL 8.4).
 */
abstract class StoreContractTests {
  static final long MB = 1 << 20;

  static final Duration NOW = Duration.ZERO;

  private TestDatabase database;
  DataSource dataSource;
  JdbcTemplate jdbc;
  OutboxWrites writes;

  @BeforeEach
  void createDatabase() {
    database = TestServers.database().createDatabase("store");
    database.runScript(OutboxSchema.mysqlScripts());
    dataSource = database.dataSource();
    jdbc = new JdbcTemplate(dataSource);
    writes = new OutboxWrites(dataSource);
  }

  @AfterEach
  void dropDatabase() {
    database.close();
  }

  void inTransaction(Runnable work) {
    new TransactionTemplate(new DataSourceTransactionManager(dataSource))
        .executeWithoutResult(status -> work.run());
  }

  /** A PENDING message of {@code key} in {@code lane}, due after {@code relayDelay}. */
  long insert(String key, int lane, Duration relayDelay) {
    return insert(key, lane, relayDelay, new byte[] {1}, null);
  }

  long insert(String key, int lane, Duration relayDelay, byte[] payload, String headers) {
    long order = writes.insertOrder(1, "ref-" + System.nanoTime());
    return writes.insertMessage(
        new OutboxWrites.NewMessage(order, 1, "ref", "topic", key, payload, headers, lane),
        MessageStatus.PENDING,
        relayDelay);
  }

  /** Takes the lock row of {@code key} on {@code connection}, as {@link OutboxWrites#lockKey}. */
  static void lockKey(Connection connection, String key) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement(
            "INSERT INTO t_msg_key (msg_key) VALUES (?) ON DUPLICATE KEY UPDATE msg_key = msg_key")) {
      lock.setString(1, key);
      lock.executeUpdate();
    }
  }

  /** Locks row {@code id} of {@code t_msg} on {@code connection}, as a publish round would. */
  static void lockRow(Connection connection, long id) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT id FROM t_msg WHERE id = ? FOR UPDATE")) {
      lock.setLong(1, id);
      lock.executeQuery().close();
    }
  }

  /** A ShedLock lease {@code name} that runs out at {@code untilFromNow} (an SQL interval). */
  void lease(String name, String untilFromNow) {
    jdbc.update(
        "INSERT INTO shedlock (name, lock_until, locked_at, locked_by) VALUES (?,"
            + " DATE_ADD(UTC_TIMESTAMP(3), "
            + untilFromNow
            + "), UTC_TIMESTAMP(3), 'test')",
        name);
  }

  static List<Long> ids(List<OutboxRow> rows) {
    return rows.stream().map(OutboxRow::id).toList();
  }
}
