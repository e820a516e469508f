package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.PreparedMessage;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The check-back cancels a message only on the word of a server shown to have seen every commit: on
 * the real servers, a business database that is read-only, or a replica whose replication is
 * stopped (lagging for ever), or one whose role its user may not read, confirms what it finds and
 * cancels nothing; once the same server is shown to be a primary, it cancels. The second test
 * database server plays the replica, so that the one the other tests share keeps its settings.
 */
class CheckBackSourceRoleIntegrationTests {

  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  private final DatabaseServer replicaServer = TestServers.secondDatabase();
  private TestDatabase replica;
  private JdbcTemplate replicaAdmin;
  private boolean mariaDb;

  @BeforeEach
  void createTheBusinessDatabaseOnTheSecondServer() throws Exception {
    replica = replicaServer.createDatabase("check_back_replica");
    replica.runScript(RelayFixture.SCHEMA);
    replicaAdmin = new JdbcTemplate(replica.dataSource());
    try (var connection = replica.dataSource().getConnection()) {
      mariaDb = connection.getMetaData().getDatabaseProductVersion().contains("MariaDB");
    }
  }

  @AfterEach
  void makeTheSecondServerAPrimaryAgain() {
    replicaAdmin.execute("SET GLOBAL read_only = OFF");
    replicaAdmin.execute(mariaDb ? "RESET SLAVE ALL" : "RESET REPLICA ALL");
    replica.close();
  }

  /** A message committed on the primary, recorded on the business database of the second server. */
  private record Messages(PreparedMessage committed, PreparedMessage notRecorded) {}

  private Messages prepareTwo() {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage committed = writer.messageStore().prepare(writer.message("k1", "committed"));
    PreparedMessage notRecorded =
        writer.messageStore().prepare(writer.message("k2", "not recorded"));
    replicaAdmin.update(
        "INSERT INTO t_msg_order (ref_type, ref_id, bus_msg_id, created_at)"
            + " VALUES (?, ?, ?, UTC_TIMESTAMP(3))",
        committed.refType(),
        committed.refId(),
        committed.busMsgId());
    fixture.age(committed.messageId(), Duration.ofSeconds(5));
    // beyond the transaction timeout (30 s): a primary's not finding it would cancel it
    fixture.age(notRecorded.messageId(), Duration.ofMinutes(1));
    return new Messages(committed, notRecorded);
  }

  /** A check-back relay (not started) asking {@code business}; its run is driven by the test. */
  private OutboxRelay relay(DataSource business, SimpleMeterRegistry meters) {
    return new OutboxRelay(
        fixture.database.dataSource(),
        fixture.settings(
            s -> s.checkBack(CheckBackIntegrationTests.checkBack(Duration.ofSeconds(1)))),
        meters,
        business);
  }

  private static double cannotCancel(SimpleMeterRegistry meters) {
    return meters.get(CheckBack.CANNOT_CANCEL).gauge().value();
  }

  private DataSource asRoot() {
    return new DriverManagerDataSource(
        replica.jdbcUrl(), replicaServer.username(), replicaServer.password());
  }

  @Test
  void aReadOnlyServerConfirmsButCancelsNothingUntilItIsThePrimary() {
    Messages messages = prepareTwo();
    replicaAdmin.execute("SET GLOBAL read_only = ON");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (OutboxRelay relay = relay(asRoot(), meters)) {
      assertThat(relay.checkBack().runNow()).isEqualTo(1);

      assertThat(fixture.status(messages.committed().messageId()))
          .isEqualTo(MessageStatus.PENDING.code());
      assertThat(fixture.status(messages.notRecorded().messageId()))
          .isEqualTo(MessageStatus.PREPARED.code());
      assertThat(cannotCancel(meters)).isEqualTo(1);
      assertThat(relay.checkBack().cannotCancel()).startsWith("it is read-only");

      // the same server made the primary (read_only off, replicating from nothing): it may cancel
      replicaAdmin.execute("SET GLOBAL read_only = OFF");
      assertThat(relay.checkBack().runNow()).isEqualTo(1);
      assertThat(fixture.status(messages.notRecorded().messageId()))
          .isEqualTo(MessageStatus.CANCELLED.code());
      assertThat(cannotCancel(meters)).isZero();
    }
  }

  @Test
  void aWritableReplicaWhoseReplicationStoppedCancelsNothing() {
    Messages messages = prepareTwo();
    // a replica of the primary whose replication is not running: it never sees later commits
    DatabaseServer primary = TestServers.database();
    replicaAdmin.execute(
        (mariaDb
                ? "CHANGE MASTER TO MASTER_HOST = '%s', MASTER_PORT = %d, MASTER_USER = 'repl'"
                : "CHANGE REPLICATION SOURCE TO SOURCE_HOST = '%s', SOURCE_PORT = %d,"
                    + " SOURCE_USER = 'repl'")
            .formatted(primary.host(), primary.port()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (OutboxRelay relay = relay(asRoot(), meters)) {
      assertThat(relay.checkBack().runNow()).isEqualTo(1);

      assertThat(fixture.status(messages.committed().messageId()))
          .isEqualTo(MessageStatus.PENDING.code());
      assertThat(fixture.status(messages.notRecorded().messageId()))
          .isEqualTo(MessageStatus.PREPARED.code());
      assertThat(cannotCancel(meters)).isEqualTo(1);
      assertThat(relay.checkBack().cannotCancel())
          .startsWith("it is a replica")
          .contains("lists 1 replication source(s)");
    }
  }

  @Test
  void aUserThatMayNotReadTheReplicationStatusCancelsNothingUntilGrantedIt() {
    Messages messages = prepareTwo();
    String user = "check_back_" + replica.name();
    replicaAdmin.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'Ch3ck-b4ck'");
    try {
      replicaAdmin.execute(
          "GRANT SELECT ON `" + replica.name() + "`.t_msg_order TO '" + user + "'@'%'");
      DataSource selectOnly = new DriverManagerDataSource(replica.jdbcUrl(), user, "Ch3ck-b4ck");
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (OutboxRelay relay = relay(selectOnly, meters)) {
        assertThat(relay.checkBack().runNow()).isEqualTo(1);
        assertThat(fixture.status(messages.committed().messageId()))
            .isEqualTo(MessageStatus.PENDING.code());
        assertThat(fixture.status(messages.notRecorded().messageId()))
            .isEqualTo(MessageStatus.PREPARED.code());
        assertThat(cannotCancel(meters)).isEqualTo(1);
        String grant = mariaDb ? "SLAVE MONITOR" : "REPLICATION CLIENT";
        assertThat(relay.checkBack().cannotCancel()).contains("(grant it " + grant + ")");

        // what docs/message-store.md asks the check-back's user to have: now it can tell, and
        // cancels
        replicaAdmin.execute("GRANT " + grant + " ON *.* TO '" + user + "'@'%'");
        assertThat(relay.checkBack().runNow()).isEqualTo(1);
        assertThat(fixture.status(messages.notRecorded().messageId()))
            .isEqualTo(MessageStatus.CANCELLED.code());
        assertThat(cannotCancel(meters)).isZero();
      }
    } finally {
      replicaAdmin.execute("DROP USER '" + user + "'@'%'");
    }
  }
}
