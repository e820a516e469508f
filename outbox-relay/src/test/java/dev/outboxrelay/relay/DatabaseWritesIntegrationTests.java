package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 19, kind 6: a database that refuses writes for a while (read-only during a failover) on the
 * real server. The relay connects as a user without SUPER, to whom {@code read_only} applies; the
 * test's own user is SUPER and keeps writing messages meanwhile.
 */
class DatabaseWritesIntegrationTests {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);
  // What may pass between writes accepted again and a message delivered: the lease keeper's retry
  // (one poll interval, at least 100 ms), the round, Kafka's ack; slack for a busy 2-core machine.
  private static final Duration RESUME_BOUND = POLL_INTERVAL.plus(Duration.ofMillis(2000));

  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);
  private String user;
  private HikariDataSource pool;
  private OutboxRelay relay;

  @BeforeEach
  void relayUserWithoutSuper() {
    user = "relay_" + Long.toHexString(System.nanoTime());
    fixture.jdbc.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'relay-pass'");
    fixture.jdbc.execute(
        "GRANT ALL PRIVILEGES ON `" + fixture.database.name() + "`.* TO '" + user + "'@'%'");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(fixture.database.jdbcUrl());
    config.setUsername(user);
    config.setPassword("relay-pass");
    config.setMaximumPoolSize(6);
    config.setConnectionTimeout(2000); // a stopped database fails a call in 2 s, not Hikari's 30
    pool = new HikariDataSource(config);
  }

  @AfterEach
  void dropUser() {
    fixture.jdbc.execute("SET GLOBAL read_only = OFF");
    if (relay != null) {
      relay.close(); // before its pool
    }
    pool.close();
    fixture.jdbc.execute("DROP USER '" + user + "'@'%'");
  }

  /**
   * Before the fix delivery resumed seconds after writes came back: the lease keeper had given up
   * its leases, could not take them again before they lapsed, and tried only every third of the
   * lease duration; the workers slept a backoff grown to seconds. Now the leases are kept through
   * the spell and taken up again at the lease keeper's next try, one poll interval later, and the
   * workers are woken.
   */
  @Test
  void deliveryResumesWithinAboutAPollIntervalOnceWritesAreAcceptedAgain() {
    RelayFixture.Writer writer = fixture.writer(false);
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      relay =
          fixture.startRelay(
              pool, p -> p.instanceId("failover").leaseDuration(Duration.ofSeconds(15)));
      long before = writer.send("k", "before");
      await().atMost(BOUND).until(() -> fixture.status(before) == 1);

      fixture.jdbc.execute("SET GLOBAL read_only = ON");
      long during = writer.send("k", "during"); // the test's user is SUPER
      await("the relay reports the refused writes")
          .atMost(BOUND)
          .until(() -> relay.databaseFailure() != null);
      assertThat(relay.databaseFailure())
          .startsWith("the database refuses writes (error 1290, SQL state HY000): ")
          .contains("--read-only");
      await("the message stays PENDING while the database is read-only")
          .during(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(10))
          .until(() -> fixture.status(during) == 0);

      long writable = System.nanoTime();
      fixture.jdbc.execute("SET GLOBAL read_only = OFF");
      await("delivery resumed after writes are accepted again")
          .atMost(RESUME_BOUND)
          .until(() -> fixture.status(during) == 1);
      assertThat(relay.databaseFailure()).isNull();
      System.out.printf(
          "delivery resumed %d ms after writes were accepted again%n",
          Duration.ofNanos(System.nanoTime() - writable).toMillis());

      long after = writer.send("k", "after");
      await().atMost(BOUND).until(() -> fixture.status(after) == 1);
      assertThat(
              reader.awaitUntil(
                  all -> all.stream().anyMatch(r -> "after".equals(r.value())), BOUND))
          .extracting(TopicReader.Received::value)
          .as("nothing lost")
          .contains("before", "during", "after");
      assertThat(relay.ownedLanes()).hasSize(16);
    }
  }

  /**
   * The same kind with the database down and back (a restart): the leases are kept through the
   * outage and the relay goes on about a poll interval after the database answers again.
   */
  @Test
  void deliveryResumesWithinAboutAPollIntervalOnceTheDatabaseIsBack() {
    RelayFixture.Writer writer = fixture.writer(false);
    relay =
        fixture.startRelay(
            pool, p -> p.instanceId("restart").leaseDuration(Duration.ofSeconds(15)));
    long before = writer.send("k", "before");
    await().atMost(BOUND).until(() -> fixture.status(before) == 1);
    long during = writer.send("k", "during"); // committed, then the database stops at once
    TestServers.database().stop();
    await("the relay reports the failed writes")
        .atMost(BOUND)
        .until(() -> relay.databaseFailure() != null);
    assertThat(relay.databaseFailure()).startsWith("the relay cannot write to the database: ");
    assertThat(relay.ownedLanes()).isEmpty();

    TestServers.database().start();
    long back = System.nanoTime();
    await().atMost(BOUND).until(() -> fixture.status(during) == 1);
    Duration took = Duration.ofNanos(System.nanoTime() - back);
    System.out.printf("delivery resumed %d ms after the database was back%n", took.toMillis());
    assertThat(took).isLessThan(RESUME_BOUND);
    assertThat(relay.databaseFailure()).isNull();
    assertThat(relay.ownedLanes()).hasSize(16);
  }
}
