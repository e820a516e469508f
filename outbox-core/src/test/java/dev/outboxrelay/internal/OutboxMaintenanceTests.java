package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link OutboxMaintenance} on the real server: the relay's purges and gauges. */
class OutboxMaintenanceTests extends StoreContractTests {
  private OutboxMaintenance maintenance;
  private RoundOutcomes outcomes;

  @BeforeEach
  void createMaintenance() {
    maintenance = new OutboxMaintenance(dataSource);
    outcomes = new RoundOutcomes(dataSource);
  }

  @Test
  void unusedKeyLocksArePurgedSliceBySliceAndHeldOnesAreSkipped() throws Exception {
    insert("has-message", 0, NOW);
    for (String key : List.of("has-message", "unused-1", "unused-2", "held")) {
      inTransaction(() -> writes.lockKey(key));
    }
    try (Connection writer = dataSource.getConnection()) {
      writer.setAutoCommit(false);
      lockKey(writer, "held");
      List<Integer> deleted = new ArrayList<>();
      String after = "";
      do {
        String from = after;
        OutboxMaintenance.KeySweep sweep =
            new TransactionTemplate(new DataSourceTransactionManager(dataSource))
                .execute(status -> maintenance.purgeUnusedKeys(from, 2));
        deleted.add(sweep.deleted());
        after = sweep.next();
      } while (after != null);
      writer.commit();
      assertThat(deleted.stream().mapToInt(Integer::intValue).sum()).isEqualTo(2);
    }
    assertThat(jdbc.queryForList("SELECT msg_key FROM t_msg_key ORDER BY msg_key", String.class))
        .containsExactly("has-message", "held");
  }

  @Test
  void purgeDeletesRowsOfItsLaneAndStatusBelowTheBoundaryOnly() {
    long oldSent = insert("k", 0, NOW);
    long oldPending = insert("k", 0, NOW);
    long oldDead = insert("k", 0, NOW);
    long youngSent = insert("k", 0, NOW);
    outcomes.markSent(List.of(oldSent, youngSent));
    outcomes.markDead(oldDead, "x");
    jdbc.update(
        "UPDATE t_msg SET created_at = created_at - INTERVAL 2 DAY WHERE id IN (?, ?, ?)",
        oldSent,
        oldPending,
        oldDead);

    long boundary = maintenance.firstIdYoungerThan(Duration.ofDays(1));
    assertThat(boundary).isEqualTo(youngSent);
    assertThat(maintenance.purge(0, MessageStatus.SENT, boundary, 100)).isEqualTo(1);
    assertThat(maintenance.purge(0, MessageStatus.DEAD, boundary, 100)).isEqualTo(1);
    assertThat(maintenance.purge(0, MessageStatus.SENT, boundary, 100)).isZero();
    assertThat(writes.statusOf(oldSent)).isEmpty();
    assertThat(writes.statusOf(oldDead)).isEmpty();
    assertThat(writes.statusOf(oldPending)).contains(MessageStatus.PENDING);
    assertThat(writes.statusOf(youngSent)).contains(MessageStatus.SENT);
    assertThat(maintenance.firstIdYoungerThan(Duration.ofDays(3))).isEqualTo(oldPending);
    jdbc.update("UPDATE t_msg SET created_at = created_at - INTERVAL 2 DAY");
    assertThat(maintenance.firstIdYoungerThan(Duration.ofDays(1))).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void pendingStatsCountEveryPendingRowAndThoseOutsideTheLanes() {
    insert("a", 0, NOW);
    insert("b", 15, NOW);
    insert("c", 20, NOW);
    outcomes.markSent(List.of(insert("d", 1, NOW)));

    OutboxMaintenance.PendingStats stats = maintenance.pendingStats(16);

    assertThat(stats.pending()).isEqualTo(3);
    assertThat(stats.unserved()).isEqualTo(1);
    assertThat(stats.oldestAgeSeconds()).isGreaterThanOrEqualTo(0);
    assertThat(maintenance.pendingOutsideLanes(16)).isEqualTo(1);
    assertThat(maintenance.pendingOutsideLanes(32)).isZero();
  }

  @Test
  void preparedStatsCountThePreparedRowsOfTheLanesAndTheOldestsAge() {
    assertThat(maintenance.preparedStats(16)).isEqualTo(new OutboxMaintenance.PreparedStats(0, 0));
    long oldest = prepared(3);
    prepared(15);
    prepared(20);
    insert("pending", 3, NOW);
    jdbc.update("UPDATE t_msg SET created_at = created_at - INTERVAL 1 HOUR WHERE id = ?", oldest);

    OutboxMaintenance.PreparedStats stats = maintenance.preparedStats(16);

    assertThat(stats.prepared()).isEqualTo(2);
    assertThat(stats.oldestAgeSeconds()).isBetween(3600.0, 3700.0);
  }

  private long prepared(int lane) {
    return writes.insertPrepared(
        new OutboxWrites.NewMessage(null, 1, "ref", "topic", "k", new byte[] {1}, null, lane),
        "bus-" + System.nanoTime());
  }
}
