package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What {@link OutboxSchemaScripts} names is on the class path, complete and in order, and runs: the
 * scripts on the real server, the Flyway location and the changelog in {@code
 * schema.SchemaToolsIntegrationTests}.
 */
class OutboxSchemaScriptsTests {
  private final PathMatchingResourcePatternResolver resolver =
      new PathMatchingResourcePatternResolver();

  @Test
  void theScriptsAreEveryScriptOfTheFlywayLocationInVersionOrder() throws IOException {
    List<String> inLocation =
        Arrays.stream(resolver.getResources(OutboxSchemaScripts.FLYWAY_LOCATION + "/V*__*.sql"))
            .map(Resource::getFilename)
            .sorted()
            .toList();

    assertThat(OutboxSchemaScripts.mysqlScripts())
        .containsExactly(
            "META-INF/outbox/sql/mysql/V1__outbox.sql",
            "META-INF/outbox/sql/mysql/V2__sizes_and_key_locks.sql",
            "META-INF/outbox/sql/mysql/V3__message_store.sql",
            "META-INF/outbox/sql/mysql/V4__message_ids.sql",
            "META-INF/outbox/sql/mysql/V5__key_index_without_status.sql")
        .allSatisfy(
            script ->
                assertThat(resolver.getResource("classpath:" + script).exists())
                    .as(script)
                    .isTrue())
        .map(script -> script.substring(script.lastIndexOf('/') + 1))
        .isEqualTo(inLocation);
    assertThatThrownBy(() -> OutboxSchemaScripts.mysqlScripts().add("V6__more.sql"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theChangelogRunsEveryScript() throws IOException {
    Resource changelog = resolver.getResource(OutboxSchemaScripts.LIQUIBASE_CHANGELOG);
    String text = changelog.getContentAsString(StandardCharsets.UTF_8);

    assertThat(OutboxSchemaScripts.mysqlScripts())
        .allSatisfy(script -> assertThat(text).contains("path=\"" + script + "\""));
  }

  @Test
  void theScriptsRunInOrderTwiceOnTheRealServer() {
    try (TestDatabase database = TestServers.database().createDatabase("schema_scripts")) {
      String[] scripts = OutboxSchemaScripts.mysqlScripts().toArray(String[]::new);
      database.runScript(scripts);
      database.runScript(scripts);

      assertThat(
              new JdbcTemplate(database.dataSource())
                  .queryForObject(
                      "SELECT COUNT(*) FROM information_schema.columns"
                          + " WHERE table_schema = DATABASE() AND table_name = 't_msg'"
                          + " AND column_name = 'msg_id'",
                      Integer.class))
          .isEqualTo(1);
    }
  }
}
