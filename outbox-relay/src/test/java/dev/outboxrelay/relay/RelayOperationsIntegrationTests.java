package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lane leases, housekeeping and short transactions (docs/design.md, "Guarantees", 8, and "Relay")
 * on the real servers.
 */
class RelayOperationsIntegrationTests {
  private static final Duration BOUND = Duration.ofSeconds(30);
  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  @Test
  void lanesAreSpreadEvenlyAndMoveWhenAnInstanceLeaves() {
    OutboxRelay a = fixture.startRelay(p -> p.instanceId("a"));
    await().atMost(BOUND).until(() -> a.ownedLanes().size() == 16);
    OutboxRelay b = fixture.startRelay(p -> p.instanceId("b"));

    await().atMost(BOUND).until(() -> a.ownedLanes().size() == 8 && b.ownedLanes().size() == 8);
    Set<Integer> all = new HashSet<>(a.ownedLanes());
    all.addAll(b.ownedLanes());
    assertThat(all).hasSize(16);

    b.close(); // releases its leases and its membership
    await().atMost(BOUND).until(() -> a.ownedLanes().size() == 16);
    assertThat(
            fixture.count(
                "SELECT COUNT(*) FROM shedlock WHERE name LIKE 'outbox-lane-%'"
                    + " AND locked_by = 'b' AND lock_until > UTC_TIMESTAMP(3)"))
        .isZero();
  }

  /**
   * Issue 8, kind 9: lease times must not depend on a session's time zone. With the shedlock
   * table's TIMESTAMP columns, a relay whose sessions run at +05:00 wrote UTC wall-clock times that
   * a relay at -03:00 read 8 hours off: one saw the other's leases as long expired.
   */
  @Test
  void relaysWhoseSessionsHaveDifferentTimeZonesShareTheLanesWithoutOverlap() {
    try (com.zaxxer.hikari.HikariDataSource east = pool("+05:00");
        com.zaxxer.hikari.HikariDataSource west = pool("-03:00")) {
      OutboxRelay a = fixture.startRelay(east, p -> p.instanceId("east"));
      await().atMost(BOUND).until(() -> a.ownedLanes().size() == 16);
      OutboxRelay b = fixture.startRelay(west, p -> p.instanceId("west"));

      await().atMost(BOUND).until(() -> a.ownedLanes().size() == 8 && b.ownedLanes().size() == 8);
      Set<Integer> all = new HashSet<>(a.ownedLanes());
      all.addAll(b.ownedLanes());
      assertThat(all).hasSize(16);
      b.close();
      a.close();
    }
  }

  /**
   * Issue 8, kind 9: a database that turns read-only (the old primary after a failover) keeps the
   * pool's connections valid while every write fails. The relay renews its connections when it
   * meets a read-only error, so new ones reach the current primary; its messages wait meanwhile, no
   * attempt used, and go out once writes work again.
   */
  @Test
  void aDatabaseThatTurnsReadOnlyMakesTheRelayRenewItsConnectionsAndLosesNothing() {
    String user = "relay_" + Long.toHexString(System.nanoTime());
    fixture.jdbc.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'relay-pass'");
    fixture.jdbc.execute(
        "GRANT ALL PRIVILEGES ON `" + fixture.database.name() + "`.* TO '" + user + "'@'%'");
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(fixture.database.jdbcUrl());
    config.setUsername(user); // not SUPER: read_only applies to it
    config.setPassword("relay-pass");
    config.setMaximumPoolSize(6);
    RelayFixture.Writer writer = fixture.writer(false);
    try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config)) {
      fixture.startRelay(pool, p -> p.instanceId("primary-or-not"));
      long first = writer.send("k", "before");
      await().atMost(BOUND).until(() -> fixture.status(first) == 1);
      Set<Long> before = sessionsOf(user);
      assertThat(before).isNotEmpty();

      fixture.jdbc.execute("SET GLOBAL read_only = ON");
      try {
        long during = writer.send("k", "while read-only"); // the test's user is SUPER
        await()
            .atMost(BOUND)
            .until(
                () ->
                    fixture
                            .meters
                            .find(MicrometerPublishListener.ROUND_FAILURES)
                            .counters()
                            .stream()
                            .mapToDouble(io.micrometer.core.instrument.Counter::count)
                            .sum()
                        >= 1);
        assertThat(fixture.status(during)).isZero();
      } finally {
        fixture.jdbc.execute("SET GLOBAL read_only = OFF");
      }
      await()
          .atMost(BOUND)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 2);
      assertThat(fixture.count("SELECT MAX(attempts) FROM t_msg")).isEqualTo(1);
      Set<Long> after = sessionsOf(user);
      assertThat(after)
          .as("connections from before the read-only spell")
          .doesNotContainAnyElementsOf(before);
    } finally {
      fixture.jdbc.execute("SET GLOBAL read_only = OFF");
      fixture.jdbc.execute("DROP USER '" + user + "'@'%'");
    }
  }

  private Set<Long> sessionsOf(String user) {
    return new HashSet<>(
        fixture.jdbc.queryForList(
            "SELECT id FROM information_schema.processlist WHERE user = ?", Long.class, user));
  }

  private com.zaxxer.hikari.HikariDataSource pool(String sessionTimeZone) {
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(fixture.database.jdbcUrl());
    config.setUsername(TestServers.database().username());
    config.setPassword(TestServers.database().password());
    config.setConnectionInitSql("SET time_zone = '" + sessionTimeZone + "'");
    config.setMaximumPoolSize(6);
    return new com.zaxxer.hikari.HikariDataSource(config);
  }

  @Test
  void databaseOutageDoesNotStopTheRelayWhichRecoversByItself() {
    RelayFixture.Writer writer = fixture.writer(false);
    OutboxRelay relay = fixture.startRelay(p -> {});
    long before = writer.send("k", "before");
    await().atMost(BOUND).until(() -> fixture.status(before) == 1);

    TestServers.database().stop();
    // the relay keeps running and loses its leases (it cannot renew them)
    await().atMost(BOUND).until(() -> relay.ownedLanes().isEmpty());
    TestServers.database().start();

    long after = writer.send("k", "after");
    await().atMost(Duration.ofSeconds(60)).until(() -> fixture.status(after) == 1);
    assertThat(relay.ownedLanes()).hasSize(16);
  }

  @Test
  void shutdownStaysWithinItsTimeoutWhenTheDatabaseIsGone() {
    OutboxRelay relay = fixture.startRelay(p -> p.shutdownTimeout(Duration.ofSeconds(2)));
    await().atMost(BOUND).until(() -> relay.ownedLanes().size() == 16);

    TestServers.database().stop();
    long started = System.nanoTime();
    relay.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    // Releasing 16 leases would wait out the pool's 10 s connection timeout each; the relay gives
    // them up instead: the shutdown timeout, then at most the producer's close.
    assertThat(took).isLessThan(Duration.ofSeconds(8));
    assertThat(relay.ownedLanes()).isEmpty();
  }

  @Test
  void aRelayWithFewerLanesThanTheWritersRefusesToStart() {
    insertPending(20);
    insertPending(31);

    assertThatThrownBy(() -> fixture.startRelay(p -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "outbox.relay.lanes (16) must equal the writers' outbox.lanes: 2 PENDING message(s)"
                + " are in lanes 16 and above, which this relay never publishes");
  }

  @Test
  void rowsInLanesTheRelayDoesNotServeAreCountedByItsGauges() {
    fixture.startRelay(p -> p.gaugeInterval(Duration.ofSeconds(1)));

    insertPending(25);

    await()
        .atMost(BOUND)
        .until(() -> fixture.meters.get(RelayMetrics.UNSERVED_PENDING).gauge().value() == 1.0);
    assertThat(fixture.meters.get(RelayMetrics.PENDING).gauge().value()).isEqualTo(1.0);
    assertThat(fixture.meters.get(RelayMetrics.OLDEST_PENDING_AGE).gauge().value()).isPositive();
  }

  /** A PENDING row in {@code lane}, as a writer with more lanes than the relay writes it. */
  private void insertPending(int lane) {
    fixture.jdbc.update(
        "INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,"
            + " next_attempt_at, created_at) VALUES (1, UUID(), ?, 'k', 'x', ?, 0,"
            + " UTC_TIMESTAMP(3) - INTERVAL 1 SECOND, UTC_TIMESTAMP(3) - INTERVAL 1 SECOND)",
        fixture.topic,
        lane);
  }

  /**
   * Issue 8, kind 6: 300,000 DEAD rows at low ids made every purge statement examine them all (91 M
   * rows examined for 300,000 deleted, and the boundary SELECT 136 M). Here 20,000 DEAD rows lie
   * below 5,000 old SENT rows; the server's Handler_read counters show what the purge examined.
   */
  @Test
  void eachPurgeStatementExaminesAboutTheRowsItDeletesAndDeadRowsHaveTheirOwnRetention() {
    java.util.List<Object[]> rows = new java.util.ArrayList<>();
    for (int i = 0; i < 25_000; i++) {
      rows.add(new Object[] {"ref-" + i, i % 16, i < 20_000 ? 3 : 1});
    }
    fixture.jdbc.batchUpdate(
        """
        INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,
                           next_attempt_at, created_at)
        VALUES (1, ?, 't', 'k', x'00', ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) - INTERVAL 3 DAY)""",
        rows);
    try (OutboxRelay relay =
        new OutboxRelay(
            fixture.database.dataSource(),
            fixture.settings(p -> p.retention(Duration.ofDays(1))),
            fixture.meters)) {
      long read = rowsRead();
      assertThat(relay.housekeeping().purgeNow()).isEqualTo(5_000);
      long examined = rowsRead() - read;
      // a deleted row costs a few handler reads (its index entry, its primary key lookup for the
      // delete); the boundary search and the empty ranges add a few hundred. Before: every
      // statement walked the 20,000 DEAD rows first, above 100,000 in all.
      assertThat(examined).as("rows read to purge 5,000").isLessThan(5 * 5_000 + 1_000);
      assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 3")).isEqualTo(20_000);
    }
    try (OutboxRelay relay =
        new OutboxRelay(
            fixture.database.dataSource(),
            fixture.settings(p -> p.deadRetention(Duration.ofDays(2))),
            fixture.meters)) {
      long read = rowsRead();
      assertThat(relay.housekeeping().purgeNow()).isEqualTo(20_000);
      assertThat(rowsRead() - read).as("rows read to purge 20,000").isLessThan(5 * 20_000 + 1_000);
      assertThat(fixture.count("SELECT COUNT(*) FROM t_msg")).isZero();
    }
  }

  /** Rows the server's storage engines were asked for, by any session (the Handler_read_% sum). */
  private long rowsRead() {
    return fixture.jdbc.queryForList("SHOW GLOBAL STATUS LIKE 'Handler_read%'").stream()
        .mapToLong(row -> Long.parseLong(String.valueOf(row.get("Value"))))
        .sum();
  }

  @Test
  void purgeDeletesOnlySentAndCancelledRowsOlderThanTheRetention() {
    RelayFixture.Writer writer = fixture.writer(false);
    for (int i = 0; i < 10; i++) {
      writer.send("k", "m" + i);
    }
    OutboxRelay relay = fixture.startRelay(p -> p.retention(Duration.ofDays(1)));
    await()
        .atMost(BOUND)
        .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 10);
    relay.close();
    // age them: 6 SENT rows two days old, one of them CANCELLED, one DEAD, one PENDING, 3 fresh
    // SENT
    fixture.jdbc.update(
        "UPDATE t_msg SET created_at = created_at - INTERVAL 2 DAY ORDER BY id LIMIT 9");
    fixture.jdbc.update("UPDATE t_msg SET status = 2 ORDER BY id LIMIT 1");
    fixture.jdbc.update("UPDATE t_msg SET status = 3 WHERE status = 1 ORDER BY id LIMIT 1");
    fixture.jdbc.update("UPDATE t_msg SET status = 0 WHERE status = 1 ORDER BY id LIMIT 1");
    fixture.jdbc.update(
        "UPDATE t_msg SET created_at = UTC_TIMESTAMP(3) WHERE status = 1 ORDER BY id DESC LIMIT 3");

    int purged = relay.housekeeping().purgeNow();

    assertThat(purged).isEqualTo(5); // 1 CANCELLED + 4 old SENT
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1")).isEqualTo(3);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE status IN (0, 3)")).isEqualTo(2);
  }

  @Test
  void withKafkaDownRowLocksAreHeldNoLongerThanTheSendTimeout() throws Exception {
    RelayFixture.Writer writer = fixture.writer(false);
    long first = writer.send("k", "warm-up");
    fixture.startRelay(p -> p.sendTimeout(Duration.ofSeconds(2)));
    await().atMost(BOUND).until(() -> fixture.status(first) == 1);
    TestServers.kafka().stop();
    long id = writer.send("k", "during the outage");

    // Another session keeps asking for the row's lock: whenever the relay holds it, it has to
    // let go within the send timeout (2 s) plus the round's own work.
    DataSource dataSource = fixture.database.dataSource();
    long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    long longestWaitMillis = 0;
    while (System.nanoTime() < deadline) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
          statement.execute("SET SESSION innodb_lock_wait_timeout = 10");
        }
        long started = System.nanoTime();
        try (PreparedStatement lock =
            connection.prepareStatement("SELECT status FROM t_msg WHERE id = ? FOR UPDATE")) {
          lock.setLong(1, id);
          try (ResultSet rs = lock.executeQuery()) {
            assertThat(rs.next()).isTrue();
          }
        }
        longestWaitMillis = Math.max(longestWaitMillis, (System.nanoTime() - started) / 1_000_000);
        connection.rollback();
      }
    }

    assertThat(longestWaitMillis).isLessThan(4_000);
    // the outage counted no attempt against the message
    assertThat(fixture.count("SELECT status FROM t_msg WHERE id = ?", id)).isZero();
    assertThat(fixture.count("SELECT attempts FROM t_msg WHERE id = ?", id)).isZero();
  }
}
