package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.relay.CrashingService.Point;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Message-store mode through crashes: the business service is a real JVM ({@link CrashingService})
 * killed with SIGKILL at each point of a message's life; afterwards a relay with the check-back
 * decides what the dead service could not. The message is published if and only if the business
 * transaction committed (its user row exists), and then exactly once.
 */
class MessageStoreCrashIntegrationTests {
  private static final Duration DECIDED = Duration.ofSeconds(60);
  private static final long USER_ID = 42;

  @RegisterExtension final RelayFixture fixture = new RelayFixture(3);

  @ParameterizedTest
  @EnumSource(Point.class)
  void aServiceKilledAtAnyPointLeavesAMessagePublishedIfAndOnlyIfItsTransactionCommitted(
      Point point) throws Exception {
    TestDatabase business = fixture.businessDatabase();
    JdbcTemplate businessJdbc = new JdbcTemplate(business.dataSource());
    businessJdbc.execute("CREATE TABLE t_user (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL)");

    Path log = Files.createTempFile("crashing-service-" + point + "-", ".log");
    Process service = start(point, business, log);
    try {
      await()
          .atMost(DECIDED)
          .until(() -> !service.isAlive() || Files.readString(log).contains("AT " + point));
      assertThat(service.isAlive()).as("the service reached %s (log %s)", point, log).isTrue();
      service.destroyForcibly(); // SIGKILL: no shutdown hook, no callback, no rollback by Spring
      assertThat(service.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(service.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    } finally {
      service.destroyForcibly();
    }

    long messageId =
        fixture.jdbc.queryForObject("SELECT id FROM t_msg WHERE ref_id = ?", Long.class, "user-42");
    assertThat(fixture.status(messageId))
        .as("left PREPARED by the dead service")
        .isEqualTo(MessageStatus.PREPARED.code());
    boolean committed =
        businessJdbc.queryForObject("SELECT COUNT(*) FROM t_user", Integer.class) == 1;
    assertThat(committed)
        .as("business transaction committed")
        .isEqualTo(point == Point.AFTER_COMMIT || point == Point.AFTER_COMMIT_APPROACH_5);

    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startCheckBackRelay(
          settings ->
              settings.checkBack(
                  new RelaySettings.CheckBack(
                      RelaySettings.CheckBack.Source.DATABASE,
                      null,
                      Duration.ofSeconds(1),
                      Duration.ofSeconds(3),
                      Duration.ofSeconds(1),
                      200,
                      Duration.ofSeconds(5),
                      Duration.ofSeconds(4))));
      MessageStatus expected = committed ? MessageStatus.SENT : MessageStatus.CANCELLED;
      await().atMost(DECIDED).until(() -> fixture.status(messageId) == expected.code());
      // a marker of the same key, so on the same partition, after it: once the marker arrived,
      // everything of the key published before it has arrived too
      long marker = fixture.writer(false).send("user-42", "marker");
      List<Received> received =
          reader.awaitUntil(all -> all.stream().anyMatch(r -> "marker".equals(r.value())), DECIDED);
      assertThat(received)
          .filteredOn(r -> "user-42".equals(r.refId()))
          .extracting(Received::value)
          .containsExactly(committed ? new String[] {"registered 42"} : new String[0]);
      // the relay commits SENT right after Kafka's ack, which the reader may see first
      await().atMost(DECIDED).until(() -> fixture.status(marker) == MessageStatus.SENT.code());
    }
  }

  private Process start(Point point, TestDatabase business, Path log) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx128m", "-cp", testClasspath(), CrashingService.class.getName()));
    command.addAll(
        List.of(
            point.name(),
            business.jdbcUrl(),
            fixture.database.jdbcUrl(),
            business.username(),
            business.password(),
            fixture.topic,
            Long.toString(USER_ID)));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .start();
  }

  /** This test JVM's classpath (Surefire puts the test classpath into java.class.path). */
  private static String testClasspath() {
    return System.getProperty("java.class.path");
  }
}
