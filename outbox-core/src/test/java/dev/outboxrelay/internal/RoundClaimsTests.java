package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/** {@link RoundClaims} on the real server: the publish round's claim and ordering guard. */
class RoundClaimsTests extends StoreContractTests {
  private RoundClaims claims;
  private RoundOutcomes outcomes;

  @BeforeEach
  void createClaims() {
    claims = new RoundClaims(dataSource);
    outcomes = new RoundOutcomes(dataSource);
  }

  @Test
  void claimSkipsRowsAnotherTransactionHolds() throws Exception {
    long a = insert("k1", 0, NOW);
    long b = insert("k2", 0, NOW);
    long c = insert("k3", 0, NOW);

    try (Connection other = dataSource.getConnection()) {
      other.setAutoCommit(false);
      lockRow(other, b);
      assertThat(ids(claims.claimIds(List.of(a, b, c)))).containsExactly(a, c);
      assertThat(ids(claims.claimFresh(List.of(a, b, c)))).containsExactly(a, c);
      assertThat(ids(claims.claimLanes(List.of(0), 10, MB).rows())).containsExactly(a, c);
      other.rollback();
    }
  }

  @Test
  void aClaimOfMoreIdsThanMariaDbTurnsIntoATemporaryTableReadsThePrimaryKeyInIdOrder()
      throws Exception {
    int count = 2 * IdChunks.MAX_IDS + 500;
    jdbc.batchUpdate(
        "INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, next_attempt_at,"
            + " created_at) VALUES (1, ?, 'topic', ?, x'01', ?, UTC_TIMESTAMP(3),"
            + " UTC_TIMESTAMP(3))",
        LongStream.range(0, count)
            .mapToObj(i -> new Object[] {"ref-" + i, "k" + i % 10, (int) (i % 4)})
            .toList());
    List<Long> ascending = jdbc.queryForList("SELECT id FROM t_msg ORDER BY id", Long.class);
    List<Long> shuffled = new ArrayList<>(ascending);
    Collections.shuffle(shuffled);

    try (Connection connection = dataSource.getConnection()) {
      // one session: its counters count this claim's statements only
      SingleConnectionDataSource session = new SingleConnectionDataSource(connection, true);
      JdbcTemplate counters = new JdbcTemplate(session);
      Map<String, Long> before = sortAndTemporaryTables(counters);
      List<OutboxRow> claimed = new RoundClaims(session).claimIds(shuffled);
      Map<String, Long> after = sortAndTemporaryTables(counters);

      assertThat(ids(claimed)).containsExactlyElementsOf(ascending);
      assertThat(after).as("no temporary table, no sort").isEqualTo(before);
    }
  }

  private static Map<String, Long> sortAndTemporaryTables(JdbcTemplate session) {
    return session
        .queryForList(
            "SHOW SESSION STATUS WHERE Variable_name IN ('Created_tmp_tables', 'Sort_rows')")
        .stream()
        .collect(
            Collectors.toMap(
                row -> String.valueOf(row.get("Variable_name")),
                row -> Long.parseLong(String.valueOf(row.get("Value")))));
  }

  @Test
  void theRelaysClaimTakesOnlyDueRowsOldestFirstAnEvenShareOfTheBatchPerLane() {
    long first = insert("k", 1, NOW);
    long second = insert("k", 1, NOW);
    insert("k", 1, NOW);
    long otherFirst = insert("j", 2, NOW);
    long otherSecond = insert("j", 2, NOW);
    insert("j", 2, NOW);
    insert("later", 1, Duration.ofHours(1));

    RoundClaims.LaneClaim claim = claims.claimLanes(List.of(1, 2), 4, MB);
    assertThat(ids(claim.rows())).containsExactly(first, second, otherFirst, otherSecond);
    assertThat(claim.full()).as("both lanes had more due rows than their share").isTrue();
    assertThat(claims.claimLanes(List.of(3), 10, MB).rows()).isEmpty();
    assertThat(claims.claimLanes(List.of(2), 10, MB).full()).isFalse();
  }

  @Test
  void aQuietLanesShareOfTheBatchGoesToTheBusyLanesOldestRowsFirst() {
    List<Long> busy = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      busy.add(insert("hot", 1, NOW));
    }
    long quiet = insert("cold", 2, NOW);
    long later = insert("hot", 1, NOW);

    // a batch of 8 over 4 lanes: 2 each; lanes 3 and 4 are empty and lane 2 has one row, so lane 1
    // gets what they leave: 8 rows in all, lane 1's oldest 7
    RoundClaims.LaneClaim claim = claims.claimLanes(List.of(1, 2, 3, 4), 8, MB);

    List<Long> expected = new ArrayList<>(busy.subList(0, 7));
    expected.add(quiet);
    assertThat(ids(claim.rows())).containsExactlyElementsOf(expected.stream().sorted().toList());
    assertThat(ids(claim.rows())).doesNotContain(later);
    assertThat(claim.full()).as("lane 1 still has due rows").isTrue();
  }

  @Test
  void theRelaysClaimStopsAtTheByteBudgetInIdOrderButTakesALargerRowAlone() {
    long small = insert("a", 1, NOW, new byte[300], null);
    long withHeaders = insert("b", 2, NOW, new byte[300], "{\"h\":\"" + "x".repeat(100) + "\"}");
    long large = insert("c", 1, NOW, new byte[5000], null);
    long afterLarge = insert("d", 2, NOW, new byte[10], null);

    // 300 + (300 + 110 bytes of headers) fit in 1,000; the large one does not: the lanes' shares
    // are the prefixes of their oldest rows, and the claim says more rows are due
    RoundClaims.LaneClaim claim = claims.claimLanes(List.of(1, 2), 10, 1000);
    assertThat(ids(claim.rows())).containsExactly(small, withHeaders);
    assertThat(claim.full()).isTrue();
    inTransaction(() -> outcomes.markSent(List.of(small, withHeaders)));

    // a row larger than the budget goes alone, and nothing after it
    assertThat(ids(claims.claimLanes(List.of(1, 2), 10, 1000).rows())).containsExactly(large);
    inTransaction(() -> outcomes.markSent(List.of(large)));
    assertThat(ids(claims.claimLanes(List.of(1, 2), 10, 1000).rows())).containsExactly(afterLarge);
  }

  @Test
  void rowsWithoutAStoredSizeAreMeasuredForTheBudget() {
    // rows written before V2, or by another tool, have msg_bytes NULL
    long unknown = insert("a", 1, NOW, new byte[800], null);
    long next = insert("b", 1, NOW, new byte[800], null);
    jdbc.update("UPDATE t_msg SET msg_bytes = NULL");

    assertThat(ids(claims.claimLanes(List.of(1), 10, 1000).rows())).containsExactly(unknown);
    assertThat(jdbc.queryForObject("SELECT msg_bytes FROM t_msg WHERE id = ?", Integer.class, next))
        .isNull();
  }

  @Test
  void theFastPathsSliceTakesFreshRowsInIdOrderWithinTheBudget() {
    long first = insert("a", 1, Duration.ofHours(1), new byte[600], null);
    long retried = insert("b", 1, NOW, new byte[10], null);
    long second = insert("c", 1, NOW, new byte[300], null);
    long third = insert("d", 1, NOW, new byte[300], null);
    outcomes.markRetry(retried, 0, "broker down");

    // the relay's delay does not matter, a row attempted before is not fresh
    assertThat(claims.freshWithinBudget(List.of(third, retried, second, first), 1000))
        .containsExactly(first, second);
    // a single row larger than the budget is taken alone
    assertThat(claims.freshWithinBudget(List.of(first, second), 100)).containsExactly(first);
    assertThat(claims.freshWithinBudget(List.of(retried), 1000)).isEmpty();
  }

  @Test
  void theFastPathClaimsNeverAttemptedRowsWhateverTheirSchedule() {
    long delayed = insert("k", 0, Duration.ofHours(1));

    assertThat(claims.claimIds(List.of(delayed))).isEmpty();
    assertThat(ids(claims.claimFresh(List.of(delayed)))).containsExactly(delayed);

    outcomes.markRetry(delayed, 0, "broker down");
    assertThat(claims.claimFresh(List.of(delayed))).isEmpty();
    assertThat(ids(claims.claimIds(List.of(delayed)))).containsExactly(delayed);
  }

  @Test
  void bothGuardsFindTheOldestUnpublishedRowOfAKeyOutsideTheClaim() {
    long older = insert("k", 3, NOW);
    long claimed = insert("k", 3, NOW);
    long alone = insert("j", 3, NOW);
    List<OutboxRow> batch = claims.claimIds(List.of(claimed, alone));

    assertThat(claims.firstBlockingIdsByKey(batch, 32, 10_000)).isEqualTo(Map.of("k", older));
    assertThat(claims.firstBlockingIdsInLanes(batch)).isEqualTo(Map.of("k", older));

    outcomes.markSent(List.of(older));
    assertThat(claims.firstBlockingIdsByKey(batch, 32, 10_000)).isEmpty();
    assertThat(claims.firstBlockingIdsInLanes(batch)).isEmpty();
  }

  @Test
  void theFastPathsGuardReadsAKeysRowsOnlyFromItsLanesOldestUnpublishedRowUp() {
    List<Long> history = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      history.add(insert("f", 6, NOW)); // f's history, published
    }
    outcomes.markSent(history);
    long olderOfG = insert("g", 6, NOW); // waiting for a retry, say
    for (int i = 0; i < 40; i++) {
      insert("backlog-" + i, 6, NOW); // other keys, waiting for the relay
    }
    long fresh = insert("f", 6, NOW);
    long freshOfG = insert("g", 6, NOW);
    List<OutboxRow> batch = claims.claimFresh(List.of(fresh, freshOfG));

    long readsBefore = rowsRead();
    Map<String, Long> blocking = claims.firstBlockingIdsByKey(batch, 32, 10_000);
    long reads = rowsRead() - readsBefore;

    // f goes out whatever the lane's backlog of other keys; g waits for its older row
    assertThat(blocking).isEqualTo(Map.of("g", olderOfG));
    assertThat(ids(OrderingGuard.byKey(claims).releasable(batch))).containsExactly(fresh);
    // 41 rows wait in the lane, more than the 32 read by lane: asked by key, from g's older row
    // up; f's 300 published rows lie below it and are not read
    assertThat(reads).as("index entries and rows read by the guard").isLessThan(150);
  }

  @Test
  void aStuckOldRowBelowAHotKeysHistoryCostsTheFastPathsGuardOneRow() {
    insert("stuck", 6, NOW); // e.g. waiting for a retry
    List<Long> history = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      history.add(insert("f", 6, NOW));
    }
    outcomes.markSent(history);
    long fresh = insert("f", 6, NOW);
    List<OutboxRow> batch = claims.claimFresh(List.of(fresh));

    long readsBefore = rowsRead();
    Map<String, Long> blocking = claims.firstBlockingIdsByKey(batch, 32, 10_000);
    long reads = rowsRead() - readsBefore;

    assertThat(blocking).isEmpty();
    // by lane: the stuck row alone (asked by key from it up, the plan scanned the whole table)
    assertThat(reads).as("index entries and rows read by the guard").isLessThan(20);
  }

  @Test
  void aLaneWithABacklogAboveAnOldRowBeyondTheWindowIsLeftToTheRelay() {
    long stuck = insert("stuck", 6, NOW);
    List<Long> history = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      history.add(insert("f", 6, NOW));
    }
    outcomes.markSent(history);
    for (int i = 0; i < 40; i++) {
      insert("backlog-" + i, 6, NOW);
    }
    long fresh = insert("f", 6, NOW);
    List<OutboxRow> batch = claims.claimFresh(List.of(fresh));

    // the window from the stuck row up is 341 ids wide: read by key within 10,000, not within 100
    assertThat(fresh - stuck).isEqualTo(341);
    assertThat(claims.firstBlockingIdsByKey(batch, 32, 10_000)).isEmpty();
    assertThat(claims.firstBlockingIdsByKey(batch, 32, 100)).isEqualTo(Map.of("f", 0L));
    assertThat(ids(OrderingGuard.byKey(claims).releasable(batch))).containsExactly(fresh);
  }

  @Test
  void theFastPathsGuardSeesAPreparedRowOfTheKeyAsBlocking() {
    long prepared = insert("p", 2, NOW);
    jdbc.update(
        "UPDATE t_msg SET status = ? WHERE id = ?", MessageStatus.PREPARED.code(), prepared);
    long fresh = insert("p", 2, NOW);
    List<OutboxRow> batch = claims.claimFresh(List.of(fresh));

    assertThat(claims.firstBlockingIdsByKey(batch, 32, 10_000)).isEqualTo(Map.of("p", prepared));
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
    List<OutboxRow> batch = claims.claimIds(List.of(a1, busyLane.get(0), a3));

    long readsBefore = rowsRead();
    Map<String, Long> blocking = claims.firstBlockingIdsInLanes(batch);
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
}
