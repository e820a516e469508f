package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.testsupport.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Issue 19, kind 5: a database clock that steps back (a failover to a server whose clock was ahead,
 * libfaketime) must not keep a dead relay's lanes or deferred messages waiting for the step's size.
 * The step is MariaDB's per-session {@code SET timestamp}, which {@code UTC_TIMESTAMP(3)} follows:
 * what a relay wrote on a session 10 minutes ahead is what every relay finds after such a step.
 */
class ClockStepIntegrationTests {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final String TEN_MINUTES_AHEAD = "SET timestamp = UNIX_TIMESTAMP() + 600";
  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  @Test
  void aDeadRelayWhoseClockRanAheadLosesItsLanesAndDeferredMessagesWithinALeaseDuration() {
    try (HikariDataSource ahead = pool(TEN_MINUTES_AHEAD, 6)) {
      String realNow =
          fixture.jdbc.queryForObject("SELECT CAST(UTC_TIMESTAMP() AS CHAR)", String.class);
      assertThat(
              new JdbcTemplate(ahead)
                  .queryForObject(
                      "SELECT TIMESTAMPDIFF(SECOND, ?, UTC_TIMESTAMP())", Long.class, realNow))
          .as("UTC_TIMESTAMP follows the session's timestamp")
          .isBetween(598L, 602L);
      OutboxRelay dying =
          fixture.startRelay(ahead, p -> p.instanceId("ahead").leaseDuration(LEASE));
      await().atMost(Duration.ofSeconds(30)).until(() -> dying.ownedLanes().size() == 16);
      // messages it deferred by 2 s on its clock: 10 minutes and 2 s ahead of the real one
      for (int lane = 0; lane < 4; lane++) {
        new JdbcTemplate(ahead)
            .update(
                "INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,"
                    + " attempts, next_attempt_at, last_error, created_at) VALUES (1, UUID(), ?, ?,"
                    + " 'deferred', ?, 0, 1, UTC_TIMESTAMP(3) + INTERVAL 2 SECOND, 'timeout',"
                    + " UTC_TIMESTAMP(3))",
                fixture.topic,
                "k" + lane,
                lane);
      }
      dying.halt();

      long started = System.nanoTime();
      OutboxRelay survivor = fixture.startRelay(p -> p.instanceId("survivor").leaseDuration(LEASE));

      // cut to a lease duration at its first round, expired one lease duration later
      await().atMost(LEASE.multipliedBy(3)).until(() -> survivor.ownedLanes().size() == 16);
      await()
          .atMost(LEASE.multipliedBy(4))
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 4);
      System.out.printf(
          "lanes and deferred messages of the dead relay taken over after %d ms%n",
          (System.nanoTime() - started) / 1_000_000);
      assertThat(fixture.meters.get(ClockStep.REPAIRS).tag("kind", "lease").counter().count())
          .isGreaterThanOrEqualTo(17); // 16 lanes and the membership
      assertThat(fixture.meters.get(ClockStep.REPAIRS).tag("kind", "message").counter().count())
          .isEqualTo(4);
    }
  }

  /**
   * The relay's own session sees the step: it is counted once, the values written before it are cut
   * back, those a relay could have written on the stepped clock stay, and the sweep of the deferred
   * messages, which otherwise runs at start-up only, runs again.
   */
  @Test
  void aStepBackSeenByTheRelayIsCountedAndRepairsOnlyImplausibleValues() {
    try (HikariDataSource single = pool(null, 1)) {
      JdbcTemplate relaySession = new JdbcTemplate(single);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      RelaySettings settings = fixture.settings(p -> p.leaseDuration(LEASE).instanceId("watcher"));
      ClockStep clock = new ClockStep(single, settings, meters);
      clock.checkLeases();
      clock.sweepMessages(); // the start-up sweep: nothing to repair
      lease(fixture.jdbc, "outbox-lane-1", "INTERVAL 3 SECOND");
      long before = deferred(fixture.jdbc, "INTERVAL 1 HOUR");
      clock.sweepMessages(); // no step seen: no sweep through the messages
      assertThat(isDue(relaySession, before)).isFalse();

      relaySession.execute("SET timestamp = UNIX_TIMESTAMP() - 600");
      lease(relaySession, "outbox-lane-2", "INTERVAL 3 SECOND");
      lease(relaySession, "outbox-purge", "INTERVAL 9 MINUTE"); // a purge holds it up to 10 min
      long after = deferred(relaySession, "INTERVAL 1 MINUTE"); // a service's longest relay-delay
      clock.checkLeases();
      clock.sweepMessages();

      assertThat(meters.get(ClockStep.STEPS).counter().count()).isEqualTo(1);
      assertThat(secondsAhead(relaySession, "outbox-lane-1")).isBetween(2L, 3L); // was 603 s
      assertThat(secondsAhead(relaySession, "outbox-lane-2")).isBetween(2L, 3L);
      assertThat(secondsAhead(relaySession, "outbox-purge")).isBetween(539L, 540L);
      assertThat(isDue(relaySession, before)).isTrue();
      assertThat(isDue(relaySession, after)).isFalse();
      assertThat(meters.get(ClockStep.REPAIRS).tag("kind", "lease").counter().count()).isEqualTo(1);
      assertThat(meters.get(ClockStep.REPAIRS).tag("kind", "message").counter().count())
          .isEqualTo(1);

      clock.checkLeases(); // no further step
      assertThat(meters.get(ClockStep.STEPS).counter().count()).isEqualTo(1);
    }
  }

  private static void lease(JdbcTemplate session, String name, String ahead) {
    session.update(
        "INSERT INTO shedlock (name, lock_until, locked_at, locked_by)"
            + " VALUES (?, UTC_TIMESTAMP(3) + "
            + ahead
            + ", UTC_TIMESTAMP(3), 'other')",
        name);
  }

  /** Seconds from the session's database time to the lease's end. */
  private static long secondsAhead(JdbcTemplate session, String name) {
    return session.queryForObject(
        "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), lock_until) FROM shedlock WHERE name = ?",
        Long.class,
        name);
  }

  /** A PENDING message deferred by {@code ahead} on the session's clock; returns its id. */
  private long deferred(JdbcTemplate session, String ahead) {
    String ref = java.util.UUID.randomUUID().toString();
    session.update(
        "INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status, attempts,"
            + " next_attempt_at, created_at) VALUES (1, ?, ?, ?, 'x', 3, 0, 1, UTC_TIMESTAMP(3) + "
            + ahead
            + ", UTC_TIMESTAMP(3))",
        ref,
        fixture.topic,
        ref);
    return fixture.jdbc.queryForObject("SELECT id FROM t_msg WHERE ref_id = ?", Long.class, ref);
  }

  private static boolean isDue(JdbcTemplate session, long id) {
    return session.queryForObject(
            "SELECT COUNT(*) FROM t_msg WHERE id = ? AND next_attempt_at <= UTC_TIMESTAMP(3)",
            Integer.class,
            id)
        == 1;
  }

  private HikariDataSource pool(@Nullable String initSql, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(fixture.database.jdbcUrl());
    config.setUsername(TestServers.database().username());
    config.setPassword(TestServers.database().password());
    if (initSql != null) {
      config.setConnectionInitSql(initSql);
    }
    config.setMaximumPoolSize(size);
    return new HikariDataSource(config);
  }
}
