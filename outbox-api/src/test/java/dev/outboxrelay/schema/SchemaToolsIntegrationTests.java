package dev.outboxrelay.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.OutboxSchemaScripts;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The schema as a service creates it, with Boot's Flyway or Liquibase auto-configuration on what
 * {@link OutboxSchemaScripts} names, on the real server: the Liquibase changelog makes the same
 * tables, columns, indexes and constraints as the Flyway-named scripts, a second run changes
 * nothing, and Flyway takes a database it brought to V3 to the same schema.
 */
class SchemaToolsIntegrationTests {
  private static TestDatabase byFlyway;
  private static TestDatabase byLiquibase;

  @BeforeAll
  static void createTheSchemaWithEachTool() {
    byFlyway = TestServers.database().createDatabase("schema_flyway");
    byLiquibase = TestServers.database().createDatabase("schema_liquibase");
    flyway(byFlyway.dataSource());
    liquibase(byLiquibase.dataSource(), OutboxSchemaScripts.LIQUIBASE_CHANGELOG);
  }

  @AfterAll
  static void dropDatabases() {
    byFlyway.close();
    byLiquibase.close();
  }

  @Test
  void liquibaseAndFlywayCreateTheSameSchema() {
    SchemaSnapshot flyway = SchemaSnapshot.of(byFlyway.dataSource());
    assertThat(flyway.tables())
        .extracting(row -> row.substring(0, row.indexOf(' ')))
        .containsExactly("shedlock", "t_msg", "t_msg_key", "t_msg_order");
    // the last column of V4: the newest script ran
    assertThat(flyway.columns()).anyMatch(row -> row.startsWith("t_msg | 18 | msg_id | char(36)"));
    assertSameSchema(SchemaSnapshot.of(byLiquibase.dataSource()), flyway);
  }

  @Test
  void eachToolRecordsOneEntryPerScriptAndASecondRunChangesNothing() {
    SchemaSnapshot before = SchemaSnapshot.of(byFlyway.dataSource());
    List<String> flywayHistory = flywayHistory(byFlyway.dataSource(), "flyway_schema_history");
    List<String> liquibaseHistory = liquibaseHistory(byLiquibase.dataSource());
    assertThat(flywayHistory)
        .containsExactly(
            "1 outbox true",
            "2 sizes and key locks true",
            "3 message store true",
            "4 message ids true",
            "5 key index without status true");
    assertThat(liquibaseHistory)
        .containsExactly(
            "outbox-v1 outbox-relay META-INF/outbox/liquibase/changelog-mysql.xml EXECUTED",
            "outbox-v2 outbox-relay META-INF/outbox/liquibase/changelog-mysql.xml EXECUTED",
            "outbox-v3 outbox-relay META-INF/outbox/liquibase/changelog-mysql.xml EXECUTED",
            "outbox-v4 outbox-relay META-INF/outbox/liquibase/changelog-mysql.xml EXECUTED",
            "outbox-v5 outbox-relay META-INF/outbox/liquibase/changelog-mysql.xml EXECUTED");

    flyway(byFlyway.dataSource());
    liquibase(byLiquibase.dataSource(), OutboxSchemaScripts.LIQUIBASE_CHANGELOG);

    assertThat(flywayHistory(byFlyway.dataSource(), "flyway_schema_history"))
        .isEqualTo(flywayHistory);
    assertThat(liquibaseHistory(byLiquibase.dataSource())).isEqualTo(liquibaseHistory);
    assertSameSchema(SchemaSnapshot.of(byFlyway.dataSource()), before);
    assertSameSchema(SchemaSnapshot.of(byLiquibase.dataSource()), before);
  }

  @Test
  void theReleasedScriptsKeepTheirChecksums() {
    // Flyway and Liquibase refuse to start when an applied script's checksum changed: a released
    // script, comments included, is never edited (a change is a new script and changeset)
    assertThat(
            new JdbcTemplate(byFlyway.dataSource())
                .queryForList(
                    "SELECT CONCAT(version, ' ', checksum) FROM flyway_schema_history"
                        + " ORDER BY installed_rank",
                    String.class))
        .containsExactly(
            "1 -441169278", "2 -987212598", "3 758926071", "4 -2049706160", "5 -31963960");
    assertThat(
            new JdbcTemplate(byLiquibase.dataSource())
                .queryForList(
                    "SELECT CONCAT(id, ' ', md5sum) FROM DATABASECHANGELOG ORDER BY orderexecuted",
                    String.class))
        .containsExactly(
            // "9:" is the checksum version of Liquibase 4.33
            "outbox-v1 9:48ccff0f80001c012aefeb96034eeeb7",
            "outbox-v2 9:723c8d98252ebb34bdb9c527a197f2cc",
            "outbox-v3 9:a370c9040e90f78dd308a30d940d5558",
            "outbox-v4 9:2b6cfbe00f060009f2e8c2ed51b629d8",
            "outbox-v5 9:f234733a7f23d757412feb8e62fa1e82");
  }

  @Test
  void flywayTakesADatabaseItBroughtToV3ToTheSameSchema() {
    try (TestDatabase upgraded = TestServers.database().createDatabase("schema_flyway_v3")) {
      flyway(upgraded.dataSource(), "spring.flyway.target=3");
      assertThat(SchemaSnapshot.of(upgraded.dataSource()).columns())
          .noneMatch(row -> row.contains(" | msg_id | "));

      flyway(upgraded.dataSource());

      assertThat(flywayHistory(upgraded.dataSource(), "flyway_schema_history")).hasSize(5);
      assertSameSchema(
          SchemaSnapshot.of(upgraded.dataSource()), SchemaSnapshot.of(byFlyway.dataSource()));
    }
  }

  @Test
  void liquibaseAdoptsTablesTheScriptsCreatedByHand() {
    // a service that ran the scripts itself, then moves to Liquibase: the changesets run again,
    // harmlessly, as the scripts are idempotent
    try (TestDatabase byHand = TestServers.database().createDatabase("schema_by_hand")) {
      byHand.runScript(OutboxSchemaScripts.mysqlScripts().toArray(String[]::new));

      liquibase(byHand.dataSource(), OutboxSchemaScripts.LIQUIBASE_CHANGELOG);

      assertThat(liquibaseHistory(byHand.dataSource())).hasSize(5);
      assertSameSchema(
          SchemaSnapshot.of(byHand.dataSource()), SchemaSnapshot.of(byFlyway.dataSource()));
    }
  }

  @Test
  void aMasterChangelogThatIncludesTheOutboxsRecordsItsChangesetsUnderTheSameIdentity() {
    try (TestDatabase service = TestServers.database().createDatabase("schema_master")) {
      liquibase(service.dataSource(), "classpath:db/changelog/service-master.xml");
      assertThat(liquibaseHistory(service.dataSource()))
          .hasSize(6)
          .filteredOn(row -> row.startsWith("outbox-"))
          .isEqualTo(liquibaseHistory(byLiquibase.dataSource()));

      // pointed at directly now: Liquibase knows every changeset already, none runs again
      liquibase(service.dataSource(), OutboxSchemaScripts.LIQUIBASE_CHANGELOG);
      assertThat(liquibaseHistory(service.dataSource())).hasSize(6);
    }
  }

  @Test
  void v5WaitsWhileTheServiceHoldsItBackAndRunsWhenItNoLongerDoes() {
    // V5 goes in once every service runs the version that ships it: until then, held back
    try (TestDatabase held = TestServers.database().createDatabase("schema_hold_v5")) {
      liquibase(
          held.dataSource(),
          OutboxSchemaScripts.LIQUIBASE_CHANGELOG,
          "spring.liquibase.contexts=outbox-hold-v5");
      assertThat(liquibaseHistory(held.dataSource()))
          .hasSize(4)
          .noneMatch(row -> row.startsWith("outbox-v5"));
      assertThat(SchemaSnapshot.of(held.dataSource()).indexes())
          .anyMatch(row -> row.contains("idx_msg_key"))
          .noneMatch(row -> row.contains("idx_msg_by_key"));

      liquibase(held.dataSource(), OutboxSchemaScripts.LIQUIBASE_CHANGELOG);

      assertThat(liquibaseHistory(held.dataSource())).hasSize(5);
      assertThat(SchemaSnapshot.of(held.dataSource()).indexes())
          .anyMatch(row -> row.contains("idx_msg_by_key"))
          .noneMatch(row -> row.contains("idx_msg_key"));
    }
  }

  @Test
  void theComparisonSeesAColumnThatDiffersInOneAttribute() {
    // what the tests above rely on: one side's difference fails them
    try (TestDatabase changed = TestServers.database().createDatabase("schema_changed")) {
      liquibase(changed.dataSource(), OutboxSchemaScripts.LIQUIBASE_CHANGELOG);
      new JdbcTemplate(changed.dataSource())
          .execute("ALTER TABLE t_msg MODIFY last_error VARCHAR(999) NULL");

      SchemaSnapshot snapshot = SchemaSnapshot.of(changed.dataSource());
      SchemaSnapshot reference = SchemaSnapshot.of(byFlyway.dataSource());
      assertThat(snapshot.columns()).isNotEqualTo(reference.columns());
      assertThat(snapshot.tables()).isEqualTo(reference.tables());
      assertThat(snapshot.indexes()).isEqualTo(reference.indexes());
    }
  }

  static void assertSameSchema(SchemaSnapshot actual, SchemaSnapshot expected) {
    assertThat(actual.tables()).as("tables").isEqualTo(expected.tables());
    assertThat(actual.columns()).as("columns").isEqualTo(expected.columns());
    assertThat(actual.indexes()).as("indexes").isEqualTo(expected.indexes());
    assertThat(actual.constraints()).as("constraints").isEqualTo(expected.constraints());
  }

  /** Runs Boot's Flyway auto-configuration on the outbox's location, as a service configures it. */
  static void flyway(DataSource dataSource, String... properties) {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(FlywayAutoConfiguration.class))
        .withBean(DataSource.class, () -> unclosed(dataSource))
        .withPropertyValues("spring.flyway.locations=" + OutboxSchemaScripts.FLYWAY_LOCATION)
        .withPropertyValues(properties)
        .run(context -> assertThat(context).hasNotFailed());
  }

  /** Runs Boot's Liquibase auto-configuration on {@code changeLog}, as a service configures it. */
  static void liquibase(DataSource dataSource, String changeLog, String... properties) {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LiquibaseAutoConfiguration.class))
        .withBean(DataSource.class, () -> unclosed(dataSource))
        .withPropertyValues("spring.liquibase.change-log=" + changeLog)
        .withPropertyValues(properties)
        .run(context -> assertThat(context).hasNotFailed());
  }

  /** The test database's pool as a bean the context does not close when it closes. */
  static DataSource unclosed(DataSource dataSource) {
    return new DelegatingDataSource(dataSource);
  }

  static List<String> flywayHistory(DataSource dataSource, String table) {
    return new JdbcTemplate(dataSource)
        .queryForList(
            "SELECT CONCAT_WS(' ', version, description, IF(success, 'true', 'false')) FROM "
                + table
                + " ORDER BY installed_rank",
            String.class);
  }

  static List<String> liquibaseHistory(DataSource dataSource) {
    return new JdbcTemplate(dataSource)
        .queryForList(
            "SELECT CONCAT_WS(' ', id, author, filename, exectype) FROM DATABASECHANGELOG"
                + " ORDER BY orderexecuted",
            String.class);
  }
}
