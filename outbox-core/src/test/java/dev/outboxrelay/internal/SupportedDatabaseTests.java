package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestServers;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

class SupportedDatabaseTests {

  @ParameterizedTest
  @CsvSource({
    "MySQL, 8.0.36",
    "MySQL, 8.4.3",
    "MySQL, 9.1.0",
    "MySQL, 10.6.12-MariaDB",
    "MySQL, 5.5.5-10.11.6-MariaDB-log",
    "MySQL, 11.4.5-MariaDB",
    "MariaDB, 10.6.20"
  })
  void mySql8AndMariaDb106AndNewerAreSupported(String product, String version) {
    assertThat(SupportedDatabase.problem(product, version)).isNull();
  }

  @ParameterizedTest
  @CsvSource({
    "PostgreSQL, 16.2, unsupported database PostgreSQL 16.2",
    "MySQL, 5.7.44, unsupported database MySQL 5.7.44",
    "MySQL, 10.5.27-MariaDB, unsupported database MariaDB 10.5.27-MariaDB",
    "MariaDB, 10.4.1, unsupported database MariaDB 10.4.1",
    "H2, 2.2.224, unsupported database H2 2.2.224"
  })
  void othersAreRefusedNamingWhatWasFound(String product, String version, String start) {
    assertThat(SupportedDatabase.problem(product, version))
        .startsWith(start + ":")
        .endsWith("the outbox runs on MySQL 8.0+ and MariaDB 10.6+");
  }

  @Test
  void aMultiPrimaryClusterNodeIsRefusedNamingTheVariable() {
    assertThat(SupportedDatabase.multiPrimaryProblem(Map.of("wsrep_on", "ON")))
        .startsWith("the database is a Galera cluster node (wsrep_on=ON): the outbox needs a")
        .contains("single-writer database")
        .doesNotContain("\n");
    assertThat(
            SupportedDatabase.multiPrimaryProblem(
                Map.of("wsrep_on", "OFF", "group_replication_single_primary_mode", "OFF")))
        .startsWith(
            "the database is a Group Replication member in multi-primary mode"
                + " (group_replication_single_primary_mode=OFF): the outbox needs a")
        .doesNotContain("\n");
  }

  @Test
  void singleWriterServersPass() {
    assertThat(SupportedDatabase.multiPrimaryProblem(Map.of())).isNull(); // MySQL without plugins
    assertThat(SupportedDatabase.multiPrimaryProblem(Map.of("wsrep_on", "OFF"))).isNull();
    assertThat(
            SupportedDatabase.multiPrimaryProblem(
                Map.of("group_replication_single_primary_mode", "ON")))
        .isNull();
  }

  @Test
  void theTestServerPassesTheCheck() {
    try (var database = TestServers.database().createDatabase("supported")) {
      assertThatCode(() -> SupportedDatabase.check(database.dataSource()))
          .doesNotThrowAnyException();
    }
  }

  @Test
  void theClusterVariablesAreReadFromTheRealServer() throws Exception {
    try (var database = TestServers.database().createDatabase("cluster");
        Connection connection = database.dataSource().getConnection()) {
      Map<String, String> variables = SupportedDatabase.clusterVariables(connection);
      if (connection.getMetaData().getDatabaseProductVersion().contains("MariaDB")) {
        // every MariaDB has it, OFF without Galera: the check does see it
        assertThat(variables).containsEntry("wsrep_on", "OFF");
      }
      assertThat(SupportedDatabase.multiPrimaryProblem(variables)).isNull();
    }
  }

  @Test
  void wrongCredentialsAreRefusedAtOnceNamingTheUserNotThePassword() {
    DatabaseServer server = TestServers.database();
    try (var database = server.createDatabase("credentials");
        HikariDataSource pool = new HikariDataSource(relayLikePool(database.jdbcUrl()))) {
      for (DataSource wrongPassword :
          List.of(
              new DriverManagerDataSource(
                  database.jdbcUrl(), server.username(), "not-the-password"),
              pool)) {
        assertThatThrownBy(() -> SupportedDatabase.check(wrongPassword))
            .isInstanceOf(DatabaseRefusedException.class)
            .hasMessageStartingWith("the database refused the credentials: Access denied for user")
            .hasMessageContaining(server.username())
            .hasMessageNotContaining("not-the-password")
            .satisfies(
                e ->
                    assertThat(((DatabaseRefusedException) e).action())
                        .contains("spring.datasource.password"));
      }
    }
  }

  /** As the relay's pool: starts without connecting, wraps the driver's error in its own. */
  private static HikariConfig relayLikePool(String jdbcUrl) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(TestServers.database().username());
    config.setPassword("not-the-password");
    config.setInitializationFailTimeout(-1);
    config.setConnectionTimeout(2_000);
    return config;
  }

  @Test
  void aDatabaseThatCannotBeReachedNowIsNotRefused() {
    DriverManagerDataSource unreachable =
        new DriverManagerDataSource("jdbc:mysql://127.0.0.1:1/outbox?connectTimeout=2000");
    assertThatCode(() -> SupportedDatabase.check(unreachable)).doesNotThrowAnyException();
  }
}
