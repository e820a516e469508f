package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.outboxrelay.testsupport.TestServers;
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
  void theTestServerPassesTheCheck() {
    try (var database = TestServers.database().createDatabase("supported")) {
      assertThatCode(() -> SupportedDatabase.check(database.dataSource()))
          .doesNotThrowAnyException();
    }
  }

  @Test
  void aDatabaseThatCannotBeReachedNowIsNotRefused() {
    DriverManagerDataSource unreachable =
        new DriverManagerDataSource("jdbc:mysql://127.0.0.1:1/outbox?connectTimeout=2000");
    assertThatCode(() -> SupportedDatabase.check(unreachable)).doesNotThrowAnyException();
  }
}
