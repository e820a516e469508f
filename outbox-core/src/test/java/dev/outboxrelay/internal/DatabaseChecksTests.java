package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A database unreachable when the outbox or the relay starts is checked before its next use: one
 * that then comes up without a migration is refused naming the script, as at start-up.
 */
class DatabaseChecksTests {

  /** The test database, refusing connections while {@code down}; counts what it hands out. */
  private static final class Flaky extends DelegatingDataSource {
    final AtomicBoolean down = new AtomicBoolean(true);
    final AtomicInteger connections = new AtomicInteger();

    Flaky(TestDatabase database) {
      super(database.dataSource());
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (down.get()) {
        throw new SQLTransientConnectionException("Communications link failure", "08S01");
      }
      connections.incrementAndGet();
      return super.getConnection();
    }
  }

  @Test
  void aSchemaOneVersionBehindIsRefusedOnceTheDatabaseAnswers() {
    try (TestDatabase database = TestServers.database().createDatabase("checks_old")) {
      OutboxSchema.MYSQL_SCRIPTS.subList(0, 3).forEach(database::runScript); // V1 to V3
      Flaky flaky = new Flaky(database);

      DatabaseChecks checks = DatabaseChecks.ofOutboxTables(flaky); // down: logged, not refused
      assertThatCode(checks::runIfPending).doesNotThrowAnyException(); // still down

      flaky.down.set(false);
      assertThatThrownBy(checks::runIfPending)
          .isInstanceOf(DatabaseRefusedException.class)
          .hasMessageContaining("are at schema version 3: apply sql/mysql/V4__message_ids.sql");
      // and again on every use until the migration runs
      assertThatThrownBy(checks::runIfPending).isInstanceOf(DatabaseRefusedException.class);
      database.runScript(OutboxSchema.MYSQL_SCRIPTS.get(3));
      assertThatCode(checks::runIfPending).doesNotThrowAnyException();
    }
  }

  @Test
  void onceTheChecksHaveRunTheyCostNoStatement() {
    try (TestDatabase database = TestServers.database().createDatabase("checks_done")) {
      database.runScript(OutboxSchema.mysqlScripts());
      Flaky flaky = new Flaky(database);
      flaky.down.set(false);

      DatabaseChecks checks = DatabaseChecks.ofOutboxTables(flaky);
      int atStart = flaky.connections.get();
      for (int i = 0; i < 100; i++) {
        checks.runIfPending();
      }

      assertThat(atStart).isPositive();
      assertThat(flaky.connections.get()).isEqualTo(atStart);
    }
  }

  @Test
  void aRefusalAtStartUpIsThrownAtOnce() {
    try (TestDatabase empty = TestServers.database().createDatabase("checks_empty")) {
      assertThatThrownBy(() -> DatabaseChecks.ofOutboxTables(empty.dataSource()))
          .isInstanceOf(DatabaseRefusedException.class)
          .hasMessageStartingWith("no outbox table t_msg in database checks_empty");
      assertThatThrownBy(() -> DatabaseChecks.ofBusinessTables(empty.dataSource()))
          .isInstanceOf(DatabaseRefusedException.class)
          .hasMessageStartingWith("no table t_msg_order in business database checks_empty");
    }
  }
}
