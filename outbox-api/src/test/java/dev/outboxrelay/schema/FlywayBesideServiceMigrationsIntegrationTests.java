package dev.outboxrelay.schema;

import static dev.outboxrelay.schema.SchemaToolsIntegrationTests.assertSameSchema;
import static dev.outboxrelay.schema.SchemaToolsIntegrationTests.flyway;
import static dev.outboxrelay.schema.SchemaToolsIntegrationTests.flywayHistory;
import static dev.outboxrelay.schema.SchemaToolsIntegrationTests.unclosed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.OutboxSchemaScripts;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A service with Flyway migrations of its own ({@code classpath:db/migration/V1__orders.sql}) and
 * the outbox's scripts, on the real server. In one history the two {@code V1}s collide; the
 * outbox's scripts in a Flyway of their own, with their own history table, run beside the
 * service's: {@link ServiceThenOutbox}.
 */
class FlywayBesideServiceMigrationsIntegrationTests {
  private static TestDatabase reference;

  @BeforeAll
  static void createReferenceSchema() {
    reference = TestServers.database().createDatabase("flyway_reference");
    flyway(reference.dataSource());
  }

  @AfterAll
  static void dropReference() {
    reference.close();
  }

  /**
   * The configuration README gives a service that has Flyway migrations of its own: Boot's Flyway
   * runs the service's, then a Flyway of the outbox's own runs the outbox's. In this order: the
   * other way round, on a new database, the service's Flyway would find the outbox's tables and no
   * history of its own, and refuse to start.
   */
  @Configuration(proxyBeanMethods = false)
  static class ServiceThenOutbox {
    @Bean
    FlywayMigrationStrategy serviceThenOutboxMigrations() {
      return flyway -> {
        flyway.migrate();
        Flyway.configure()
            .dataSource(flyway.getConfiguration().getDataSource())
            .locations(OutboxSchemaScripts.FLYWAY_LOCATION)
            .table("flyway_outbox_history")
            .baselineOnMigrate(true) // the schema already has the service's tables
            .baselineVersion("0") // and V1 must still run: a baseline skips its version and below
            .load()
            .migrate();
      };
    }
  }

  @Test
  void bothLocationsInOneHistoryFailOnTheSharedVersionNumber() {
    try (TestDatabase service = TestServers.database().createDatabase("flyway_one_history")) {
      bootFlyway(service.dataSource())
          .withPropertyValues(
              "spring.flyway.locations=classpath:db/migration,"
                  + OutboxSchemaScripts.FLYWAY_LOCATION)
          .run(
              context ->
                  assertThat(context)
                      .getFailure()
                      .rootCause()
                      .hasMessageContaining("Found more than one migration with version 1")
                      .hasMessageContaining("V1__orders.sql")
                      .hasMessageContaining("V1__outbox.sql"));
    }
  }

  @Test
  void theOutboxsOwnHistoryRunsItsScriptsInAServiceThatAlreadyHasItsTables() {
    try (TestDatabase service = TestServers.database().createDatabase("flyway_existing")) {
      bootFlyway(service.dataSource()).run(context -> assertThat(context).hasNotFailed());
      assertThat(flywayHistory(service.dataSource(), "flyway_schema_history"))
          .containsExactly("1 orders true");

      bootFlyway(service.dataSource())
          .withUserConfiguration(ServiceThenOutbox.class)
          .run(context -> assertThat(context).hasNotFailed());
      bootFlyway(service.dataSource()) // again: nothing left to do
          .withUserConfiguration(ServiceThenOutbox.class)
          .run(context -> assertThat(context).hasNotFailed());

      assertThat(flywayHistory(service.dataSource(), "flyway_outbox_history"))
          .containsExactly(
              "0 << Flyway Baseline >> true",
              "1 outbox true",
              "2 sizes and key locks true",
              "3 message store true",
              "4 message ids true",
              "5 key index without status true");
      assertThat(flywayHistory(service.dataSource(), "flyway_schema_history"))
          .containsExactly("1 orders true");
      assertSameSchema(
          outboxTablesOf(service.dataSource()), SchemaSnapshot.of(reference.dataSource()));
    }
  }

  @Test
  void theOutboxsOwnHistoryRunsBesideANewServicesMigrations() {
    try (TestDatabase service = TestServers.database().createDatabase("flyway_new")) {
      bootFlyway(service.dataSource())
          .withUserConfiguration(ServiceThenOutbox.class)
          .run(context -> assertThat(context).hasNotFailed());

      assertThat(flywayHistory(service.dataSource(), "flyway_outbox_history"))
          .hasSize(6)
          .startsWith("0 << Flyway Baseline >> true");
      assertThat(flywayHistory(service.dataSource(), "flyway_schema_history"))
          .containsExactly("1 orders true");
      assertSameSchema(
          outboxTablesOf(service.dataSource()), SchemaSnapshot.of(reference.dataSource()));
    }
  }

  @Test
  void withoutABaselineASecondHistoryInAServiceWithTablesIsRefused() {
    try (TestDatabase service = TestServers.database().createDatabase("flyway_no_baseline")) {
      bootFlyway(service.dataSource()).run(context -> assertThat(context).hasNotFailed());

      assertThatThrownBy(() -> outboxFlyway(service.dataSource()).load().migrate())
          .hasMessageContaining("Found non-empty schema(s)")
          .hasMessageContaining("but no schema history table");
    }
  }

  @Test
  void aBaselineAtFlywaysDefaultVersionSkipsV1AndStopsAtV2() {
    try (TestDatabase service = TestServers.database().createDatabase("flyway_baseline_1")) {
      bootFlyway(service.dataSource()).run(context -> assertThat(context).hasNotFailed());

      assertThatThrownBy(
              () -> outboxFlyway(service.dataSource()).baselineOnMigrate(true).load().migrate())
          .hasMessageContaining("V2__sizes_and_key_locks.sql")
          .hasMessageContaining("t_msg");
    }
  }

  private static ApplicationContextRunner bootFlyway(DataSource dataSource) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(FlywayAutoConfiguration.class))
        .withBean(DataSource.class, () -> unclosed(dataSource));
  }

  private static org.flywaydb.core.api.configuration.FluentConfiguration outboxFlyway(
      DataSource dataSource) {
    return Flyway.configure()
        .dataSource(dataSource)
        .locations(OutboxSchemaScripts.FLYWAY_LOCATION)
        .table("flyway_outbox_history");
  }

  private static SchemaSnapshot outboxTablesOf(DataSource dataSource) {
    Set<String> ignored = new HashSet<>(SchemaSnapshot.TOOL_TABLES);
    ignored.add("orders");
    return SchemaSnapshot.of(dataSource, ignored);
  }
}
