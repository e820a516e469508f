package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The contract of the store verbs, on a real server: what each statement claims, skips, refuses and
 * counts. A server runs it through a short fixture that supplies a fresh database with the schema
 * ({@link MariaDbOutboxStoreContractTests}; with {@code -Doutbox.test.servers=testcontainers} the
 * same fixture runs on MySQL 8.4).
 */
abstract class OutboxStoreContractTests {
  private static final long MB = 1 << 20;

  private static final Duration NOW = Duration.ZERO;

  private DataSource dataSource;
  private OutboxStore store;
  private JdbcTemplate jdbc;

  /** A fresh database holding {@code sql/mysql/V1__outbox.sql}. */
  protected abstract DataSource createDatabase();

  /** Drops it. */
  protected abstract void dropDatabase();

  @BeforeEach
  void createStore() {
    dataSource = createDatabase();
    store = new OutboxStore(dataSource);
    jdbc = new JdbcTemplate(dataSource);
  }

  @AfterEach
  void drop() {
    dropDatabase();
  }

  @Test
  void claimSkipsRowsAnotherTransactionHolds() throws Exception {
    long a = insert("k1", 0, NOW);
    long b = insert("k2", 0, NOW);
    long c = insert("k3", 0, NOW);

    try (Connection other = dataSource.getConnection()) {
      other.setAutoCommit(false);
      try (PreparedStatement lock =
          other.prepareStatement("SELECT id FROM t_msg WHERE id = ? FOR UPDATE")) {
        lock.setLong(1, b);
        lock.executeQuery().close();
      }
      assertThat(ids(store.claimIds(List.of(a, b, c)))).containsExactly(a, c);
      assertThat(ids(store.claimFresh(List.of(a, b, c)))).containsExactly(a, c);
      assertThat(ids(store.claimLanes(List.of(0), 10, MB).rows())).containsExactly(a, c);
      other.rollback();
    }
  }

  @Test
  void theRelaysClaimTakesOnlyDueRowsOldestFirstUpToTheLimitOfEachLane() {
    long first = insert("k", 1, NOW);
    long second = insert("k", 1, NOW);
    insert("k", 1, NOW);
    long otherLane = insert("j", 2, NOW);
    insert("later", 1, Duration.ofHours(1));

    OutboxStore.LaneClaim claim = store.claimLanes(List.of(1, 2), 2, MB);
    assertThat(ids(claim.rows())).containsExactly(first, second, otherLane);
    assertThat(claim.full()).as("lane 1 had more due rows than its share").isTrue();
    assertThat(store.claimLanes(List.of(3), 10, MB).rows()).isEmpty();
    assertThat(store.claimLanes(List.of(2), 10, MB).full()).isFalse();
  }

  @Test
  void theRelaysClaimStopsAtTheByteBudgetInIdOrderButTakesALargerRowAlone() {
    long small = insert("a", 1, NOW, new byte[300], null);
    long withHeaders = insert("b", 2, NOW, new byte[300], "{\"h\":\"" + "x".repeat(100) + "\"}");
    long large = insert("c", 1, NOW, new byte[5000], null);
    long afterLarge = insert("d", 2, NOW, new byte[10], null);

    // 300 + (300 + 110 bytes of headers) fit in 1,000; the large one does not: the lanes' shares
    // are the prefixes of their oldest rows, and the claim says more rows are due
    OutboxStore.LaneClaim claim = store.claimLanes(List.of(1, 2), 10, 1000);
    assertThat(ids(claim.rows())).containsExactly(small, withHeaders);
    assertThat(claim.full()).isTrue();
    inTransaction(() -> store.markSent(List.of(small, withHeaders)));

    // a row larger than the budget goes alone, and nothing after it
    assertThat(ids(store.claimLanes(List.of(1, 2), 10, 1000).rows())).containsExactly(large);
    inTransaction(() -> store.markSent(List.of(large)));
    assertThat(ids(store.claimLanes(List.of(1, 2), 10, 1000).rows())).containsExactly(afterLarge);
  }

  @Test
  void rowsWithoutAStoredSizeAreMeasuredForTheBudget() {
    // rows written before V2, or by another tool, have msg_bytes NULL
    long unknown = insert("a", 1, NOW, new byte[800], null);
    long next = insert("b", 1, NOW, new byte[800], null);
    jdbc.update("UPDATE t_msg SET msg_bytes = NULL");

    assertThat(ids(store.claimLanes(List.of(1), 10, 1000).rows())).containsExactly(unknown);
    assertThat(jdbc.queryForObject("SELECT msg_bytes FROM t_msg WHERE id = ?", Integer.class, next))
        .isNull();
  }

  @Test
  void sendStoresTheMessageSize() {
    long id = insert("a", 1, NOW, new byte[123], "{\"k\":\"v\"}");
    assertThat(jdbc.queryForObject("SELECT msg_bytes FROM t_msg WHERE id = ?", Integer.class, id))
        .isEqualTo(123 + "{\"k\":\"v\"}".length());
  }

  @Test
  void aKeyLockMakesTheNextWriterOfTheKeyWaitUntilTheFirstEnds() throws Exception {
    try (Connection first = dataSource.getConnection();
        Connection second = dataSource.getConnection()) {
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      lockKey(first, "c1");
      // a writer of another key does not wait
      lockKey(second, "c2");
      try (var wait = second.createStatement()) {
        wait.execute("SET SESSION innodb_lock_wait_timeout = 1");
      }
      assertThatThrownBy(() -> lockKey(second, "c1"))
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("Lock wait timeout");
      first.commit();
      lockKey(second, "c1");
      second.commit();
    }
    assertThat(jdbc.queryForList("SELECT msg_key FROM t_msg_key ORDER BY msg_key", String.class))
        .containsExactly("c1", "c2");
  }

  @Test
  void unusedKeyLocksArePurgedSliceBySliceAndHeldOnesAreSkipped() throws Exception {
    insert("has-message", 0, NOW);
    for (String key : List.of("has-message", "unused-1", "unused-2", "held")) {
      inTransaction(() -> store.lockKey(key));
    }
    try (Connection writer = dataSource.getConnection()) {
      writer.setAutoCommit(false);
      lockKey(writer, "held");
      List<Integer> deleted = new ArrayList<>();
      String after = "";
      do {
        String from = after;
        OutboxStore.KeySweep sweep =
            new TransactionTemplate(new DataSourceTransactionManager(dataSource))
                .execute(status -> store.purgeUnusedKeys(from, 2));
        deleted.add(sweep.deleted());
        after = sweep.next();
      } while (after != null);
      writer.commit();
      assertThat(deleted.stream().mapToInt(Integer::intValue).sum()).isEqualTo(2);
    }
    assertThat(jdbc.queryForList("SELECT msg_key FROM t_msg_key ORDER BY msg_key", String.class))
        .containsExactly("has-message", "held");
  }

  private static void lockKey(Connection connection, String key) throws java.sql.SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement(
            "INSERT INTO t_msg_key (msg_key) VALUES (?) ON DUPLICATE KEY UPDATE msg_key = msg_key")) {
      lock.setString(1, key);
      lock.executeUpdate();
    }
  }

  @Test
  void theFastPathClaimsNeverAttemptedRowsWhateverTheirSchedule() {
    long delayed = insert("k", 0, Duration.ofHours(1));

    assertThat(store.claimIds(List.of(delayed))).isEmpty();
    assertThat(ids(store.claimFresh(List.of(delayed)))).containsExactly(delayed);

    store.markRetry(delayed, 0, "broker down");
    assertThat(store.claimFresh(List.of(delayed))).isEmpty();
    assertThat(ids(store.claimIds(List.of(delayed)))).containsExactly(delayed);
  }

  @Test
  void markingRefusesRowsThatAreNotPending() {
    long sent = insert("k", 0, NOW);
    long pending = insert("k", 0, NOW);
    store.markSent(List.of(sent));

    assertThat(store.statusOf(sent)).contains(MessageStatus.SENT);
    // The verbs run in the publisher's transaction: the exception rolls back what they changed.
    assertThatThrownBy(() -> inTransaction(() -> store.markSent(List.of(sent, pending))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expected to update 2");
    assertThat(store.statusOf(pending)).contains(MessageStatus.PENDING);
    assertThatThrownBy(() -> inTransaction(() -> store.markDead(sent, "x")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> inTransaction(() -> store.markRetry(sent, 10, "x")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> inTransaction(() -> store.deleteSent(List.of(sent))))
        .isInstanceOf(IllegalStateException.class);

    store.markDead(pending, "too large");
    assertThat(store.statusOf(pending)).contains(MessageStatus.DEAD);
    assertThat(store.statusOf(pending + 1000)).isEmpty();
  }

  @Test
  void bothGuardsFindTheOldestUnpublishedRowOfAKeyOutsideTheClaim() {
    long older = insert("k", 3, NOW);
    long claimed = insert("k", 3, NOW);
    long alone = insert("j", 3, NOW);
    List<OutboxRow> batch = store.claimIds(List.of(claimed, alone));

    assertThat(store.firstBlockingIds(batch)).isEqualTo(Map.of("k", older));
    assertThat(store.firstBlockingIdsInLanes(batch)).isEqualTo(Map.of("k", older));

    store.markSent(List.of(older));
    assertThat(store.firstBlockingIds(batch)).isEmpty();
    assertThat(store.firstBlockingIdsInLanes(batch)).isEmpty();
  }

  @Test
  void theRelaysGuardReadsEachLaneOnlyBelowThatLanesNewestClaimedRow() {
    long a1 = insert("a", 4, NOW);
    List<Long> busyLane = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      busyLane.add(insert("b" + i, 5, NOW));
    }
    long a2 = insert("a", 4, NOW);
    long a3 = insert("a", 4, NOW);
    // lane 5's oldest row and lane 4's first and newest: a2 in between is not claimed
    List<OutboxRow> batch = store.claimIds(List.of(a1, busyLane.get(0), a3));

    long readsBefore = rowsRead();
    Map<String, Long> blocking = store.firstBlockingIdsInLanes(batch);
    long reads = rowsRead() - readsBefore;

    assertThat(blocking).isEqualTo(Map.of("a", a2));
    // lane 5 below its own newest claimed row holds nothing; below a3 it would hold 299 rows
    assertThat(reads).as("index entries read by the guard").isLessThan(50);
  }

  /**
   * Index entries and rows the server's storage engines returned, all sessions (Handler_read_%).
   */
  private long rowsRead() {
    return jdbc.queryForList("SHOW GLOBAL STATUS LIKE 'Handler_read%'").stream()
        .mapToLong(row -> Long.parseLong(String.valueOf(row.get("Value"))))
        .sum();
  }

  @Test
  void purgeDeletesRowsOfItsLaneAndStatusBelowTheBoundaryOnly() {
    long oldSent = insert("k", 0, NOW);
    long oldPending = insert("k", 0, NOW);
    long oldDead = insert("k", 0, NOW);
    long youngSent = insert("k", 0, NOW);
    store.markSent(List.of(oldSent, youngSent));
    store.markDead(oldDead, "x");
    jdbc.update(
        "UPDATE t_msg SET created_at = created_at - INTERVAL 2 DAY WHERE id IN (?, ?, ?)",
        oldSent,
        oldPending,
        oldDead);

    long boundary = store.firstIdYoungerThan(Duration.ofDays(1));
    assertThat(boundary).isEqualTo(youngSent);
    assertThat(store.purge(0, MessageStatus.SENT, boundary, 100)).isEqualTo(1);
    assertThat(store.purge(0, MessageStatus.DEAD, boundary, 100)).isEqualTo(1);
    assertThat(store.purge(0, MessageStatus.SENT, boundary, 100)).isZero();
    assertThat(store.statusOf(oldSent)).isEmpty();
    assertThat(store.statusOf(oldDead)).isEmpty();
    assertThat(store.statusOf(oldPending)).contains(MessageStatus.PENDING);
    assertThat(store.statusOf(youngSent)).contains(MessageStatus.SENT);
    assertThat(store.firstIdYoungerThan(Duration.ofDays(3))).isEqualTo(oldPending);
    jdbc.update("UPDATE t_msg SET created_at = created_at - INTERVAL 2 DAY");
    assertThat(store.firstIdYoungerThan(Duration.ofDays(1))).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void pendingStatsCountEveryPendingRowAndThoseOutsideTheLanes() {
    insert("a", 0, NOW);
    insert("b", 15, NOW);
    insert("c", 20, NOW);
    store.markSent(List.of(insert("d", 1, NOW)));

    OutboxStore.PendingStats stats = store.pendingStats(16);

    assertThat(stats.pending()).isEqualTo(3);
    assertThat(stats.unserved()).isEqualTo(1);
    assertThat(stats.oldestAgeSeconds()).isGreaterThanOrEqualTo(0);
    assertThat(store.pendingOutsideLanes(16)).isEqualTo(1);
    assertThat(store.pendingOutsideLanes(32)).isZero();
  }

  private void inTransaction(Runnable work) {
    new TransactionTemplate(new DataSourceTransactionManager(dataSource))
        .executeWithoutResult(status -> work.run());
  }

  private long insert(String key, int lane, Duration relayDelay) {
    return insert(key, lane, relayDelay, new byte[] {1}, null);
  }

  private long insert(String key, int lane, Duration relayDelay, byte[] payload, String headers) {
    long order = store.insertOrder(1, "ref-" + System.nanoTime());
    return store.insertMessage(
        new OutboxStore.NewMessage(order, 1, "ref", "topic", key, payload, headers, lane),
        MessageStatus.PENDING,
        relayDelay);
  }

  private static List<Long> ids(List<OutboxRow> rows) {
    return rows.stream().map(OutboxRow::id).toList();
  }
}
