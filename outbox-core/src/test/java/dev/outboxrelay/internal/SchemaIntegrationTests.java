package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code sql/mysql/} (V1, V2) on the real server: it applies (twice, idempotently), and the relay's
 * claim query and the ordering guard walk their indexes with no filesort — a filesort would make
 * the locking read lock every candidate row, not just the batch.
 */
class SchemaIntegrationTests {
  private static final String[] SCHEMA = dev.outboxrelay.internal.OutboxSchema.mysqlScripts();
  private static TestDatabase database;
  private static JdbcTemplate jdbc;

  @BeforeAll
  static void createSchemaWithData() {
    database = TestServers.database().createDatabase("schema");
    database.runScript(SCHEMA);
    database.runScript(SCHEMA);
    jdbc = new JdbcTemplate(database.dataSource());
    // enough rows over 16 lanes and all statuses that the optimizer's choice is a real one
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      rows.add(new Object[] {"ref-" + i, "key-" + (i % 500), i % 16, i % 10 == 0 ? 0 : 1});
    }
    jdbc.batchUpdate(
        """
        INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,
                           next_attempt_at, created_at)
        VALUES (1, ?, 'orders', ?, x'00', ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))""",
        rows);
    jdbc.execute("ANALYZE TABLE t_msg");
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  @Test
  void schemaHasTheTablesAndStatusesOfTheDesign() {
    assertThat(
            jdbc.queryForList(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
                String.class))
        .containsExactlyInAnyOrder("t_msg", "t_msg_order", "shedlock", "t_msg_key");
  }

  @Test
  void v2UpgradesALiveV1TableWithPendingRowsInPlaceAndIdempotently() {
    try (TestDatabase v1 = TestServers.database().createDatabase("schema_v1")) {
      v1.runScript(OutboxSchema.MYSQL_SCRIPTS.get(0));
      JdbcTemplate old = new JdbcTemplate(v1.dataSource());
      old.update(
          """
          INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,
                             next_attempt_at, created_at)
          VALUES (1, 'before-v2', 'orders', 'k', x'0102030405', 3, 0, UTC_TIMESTAMP(3),
                  UTC_TIMESTAMP(3))""");

      assertThatThrownBy(() -> OutboxSchema.check(v1.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("at schema version 1: apply sql/mysql/V2__sizes_and_key_locks.sql");

      v1.runScript(OutboxSchema.MYSQL_SCRIPTS.get(1));
      v1.runScript(OutboxSchema.MYSQL_SCRIPTS.get(1));
      assertThatThrownBy(() -> OutboxSchema.check(v1.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("at schema version 2: apply sql/mysql/V3__message_store.sql");
      v1.runScript(OutboxSchema.MYSQL_SCRIPTS.get(2));
      assertThatThrownBy(() -> OutboxSchema.check(v1.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("at schema version 3: apply sql/mysql/V4__message_ids.sql");
      v1.runScript(OutboxSchema.MYSQL_SCRIPTS.get(3));
      OutboxSchema.check(v1.dataSource());

      assertThat(
              old.queryForObject(
                  "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                      + " AND table_name = 't_msg' AND column_name = 'msg_bytes'",
                  Integer.class))
          .isEqualTo(1);
      assertThat(old.queryForObject("SELECT COUNT(*) FROM t_msg_key", Integer.class)).isZero();
      assertThat(old.queryForObject("SELECT msg_bytes FROM t_msg", Integer.class)).isNull();
      // the relay claims the PENDING row written before the upgrade, measuring its size
      RoundClaims store = new RoundClaims(v1.dataSource());
      assertThat(store.claimLanes(List.of(3), 10, 4).rows())
          .singleElement()
          .satisfies(row -> assertThat(row.refId()).isEqualTo("before-v2"));
    }
  }

  @Test
  void v3UpgradesLiveV2TablesWhileWritersGoOnAndIsIdempotent() throws Exception {
    try (TestDatabase v2 = TestServers.database().createDatabase("schema_v2")) {
      v2.runScript(OutboxSchema.MYSQL_SCRIPTS.get(0), OutboxSchema.MYSQL_SCRIPTS.get(1));
      JdbcTemplate old = new JdbcTemplate(v2.dataSource());
      // writers of the version before, in the business transaction's way: t_msg_order and t_msg
      LiveWriter writer =
          LiveWriter.started(
              n -> {
                old.update(
                    "INSERT INTO t_msg_order (ref_type, ref_id, created_at)"
                        + " VALUES (1, ?, UTC_TIMESTAMP(3))",
                    "live-" + n);
                insertV1Row(old, "live-" + n);
              });

      v2.runScript(OutboxSchema.MYSQL_SCRIPTS.get(2));
      v2.runScript(OutboxSchema.MYSQL_SCRIPTS.get(2));
      int written = writer.stop(); // no write failed meanwhile

      v2.runScript(OutboxSchema.MYSQL_SCRIPTS.get(3));
      OutboxSchema.check(v2.dataSource());
      assertThat(old.queryForObject("SELECT COUNT(*) FROM t_msg", Integer.class))
          .isEqualTo(written);
      assertThat(old.queryForObject("SELECT COUNT(*) FROM t_msg_order", Integer.class))
          .isEqualTo(written);
      assertThat(
              old.queryForObject(
                  "SELECT COUNT(*) FROM t_msg WHERE bus_msg_id IS NOT NULL", Integer.class))
          .isZero();
      // the new unique key: one row per business message id, any number without one
      OutboxWrites store = new OutboxWrites(v2.dataSource());
      store.insertOrder(2, "a", "bus-1");
      assertThatThrownBy(() -> store.insertOrder(2, "b", "bus-1"))
          .isInstanceOf(org.springframework.dao.DuplicateKeyException.class);
      assertThat(
              new MessageStoreDecisions(v2.dataSource())
                  .recordedBusMsgIds(List.of("bus-1", "bus-2")))
          .containsExactly("bus-1");
    }
  }

  @Test
  void v4AddsTheGlobalMessageIdInPlaceWhileWritersGoOnAndOlderRowsKeepAStableId() throws Exception {
    try (TestDatabase v3 = TestServers.database().createDatabase("schema_v3")) {
      v3.runScript(OutboxSchema.MYSQL_SCRIPTS.subList(0, 3).toArray(String[]::new));
      JdbcTemplate old = new JdbcTemplate(v3.dataSource());
      // a writer of the version before: no msg_id
      LiveWriter writer = LiveWriter.started(n -> insertV1Row(old, "live-" + n));
      assertThatThrownBy(() -> OutboxSchema.check(v3.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("at schema version 3: apply sql/mysql/V4__message_ids.sql");

      v3.runScript(OutboxSchema.MYSQL_SCRIPTS.get(3));
      v3.runScript(OutboxSchema.MYSQL_SCRIPTS.get(3));
      int written = writer.stop(); // no write failed meanwhile

      OutboxSchema.check(v3.dataSource());
      assertThat(old.queryForObject("SELECT COUNT(*) FROM t_msg", Integer.class))
          .isEqualTo(written);
      RoundClaims store = new RoundClaims(v3.dataSource());
      long fresh =
          new OutboxWrites(v3.dataSource())
              .insertMessage(
                  new OutboxWrites.NewMessage(
                      null, 1, "fresh", "orders", "k", new byte[] {1}, null, 3),
                  MessageStatus.PENDING,
                  java.time.Duration.ZERO);
      List<OutboxRow> claimed = store.claimLanes(List.of(3), 10_000, 100_000_000).rows();
      List<OutboxRow> again = store.claimLanes(List.of(3), 10_000, 100_000_000).rows();

      assertThat(claimed).hasSize(written + 1);
      // older rows: a name-based id of their own columns, the same at every claim, all distinct
      assertThat(claimed).extracting(OutboxRow::messageId).doesNotHaveDuplicates();
      assertThat(again)
          .extracting(OutboxRow::messageId)
          .containsExactlyElementsOf(claimed.stream().map(OutboxRow::messageId).toList());
      assertThat(claimed)
          .filteredOn(row -> row.id() != fresh)
          .allSatisfy(
              row -> assertThat(java.util.UUID.fromString(row.messageId()).version()).isEqualTo(3));
      // a row written now: its UUIDv7, stored
      assertThat(claimed)
          .filteredOn(row -> row.id() == fresh)
          .singleElement()
          .satisfies(
              row -> {
                assertThat(java.util.UUID.fromString(row.messageId()).version()).isEqualTo(7);
                assertThat(row.messageId())
                    .isEqualTo(
                        old.queryForObject(
                            "SELECT msg_id FROM t_msg WHERE id = ?", String.class, fresh));
              });
    }
  }

  @Test
  void v5SwapsTheKeyIndexInPlaceWhileWritersGoOnAndIsIdempotent() throws Exception {
    try (TestDatabase v4 = TestServers.database().createDatabase("schema_v4")) {
      v4.runScript(OutboxSchema.MYSQL_SCRIPTS.subList(0, 4).toArray(String[]::new));
      JdbcTemplate old = new JdbcTemplate(v4.dataSource());
      LiveWriter writer = LiveWriter.started(n -> insertV1Row(old, "live-" + n));
      OutboxSchema.check(v4.dataSource()); // V5 is not required

      v4.runScript(OutboxSchema.MYSQL_SCRIPTS.get(4));
      v4.runScript(OutboxSchema.MYSQL_SCRIPTS.get(4));
      int written = writer.stop(); // no write failed meanwhile

      assertThat(indexes(old))
          .containsExactlyInAnyOrder(
              "PRIMARY(id)", "idx_msg_by_key(msg_key)", "idx_msg_claim(lane,status,id)");
      assertThat(old.queryForObject("SELECT COUNT(*) FROM t_msg", Integer.class))
          .isEqualTo(written);
      // and an index dropped by hand comes back at the next run
      old.execute("ALTER TABLE t_msg DROP INDEX idx_msg_by_key");
      v4.runScript(OutboxSchema.MYSQL_SCRIPTS.get(4));
      assertThat(indexes(old)).contains("idx_msg_by_key(msg_key)");
    }
  }

  /** The indexes of t_msg as "name(col,col)", by name. */
  private static List<String> indexes(JdbcTemplate jdbc) {
    return jdbc.queryForList(
        """
        SELECT CONCAT(index_name, '(', GROUP_CONCAT(column_name ORDER BY seq_in_index), ')')
        FROM information_schema.statistics
        WHERE table_schema = DATABASE() AND table_name = 't_msg'
        GROUP BY index_name ORDER BY index_name""",
        String.class);
  }

  /**
   * A writer of an older version on a thread of its own: {@code write} with 1, 2, ... from start
   * until stopped, at least 50 times.
   */
  private static final class LiveWriter {
    private final java.util.concurrent.atomic.AtomicBoolean writing =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    private final java.util.concurrent.atomic.AtomicInteger written =
        new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.CompletableFuture<Void> done;

    private LiveWriter(java.util.function.IntConsumer write) {
      done =
          java.util.concurrent.CompletableFuture.runAsync(
              () -> {
                while (writing.get() || written.get() < 50) {
                  write.accept(written.incrementAndGet());
                }
              });
    }

    /** Started, once it has written 20. */
    static LiveWriter started(java.util.function.IntConsumer write) {
      LiveWriter writer = new LiveWriter(write);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> writer.written.get() >= 20);
      return writer;
    }

    /** Stops it; how many it wrote. Throws if a write failed. */
    int stop() throws Exception {
      writing.set(false);
      done.get(30, java.util.concurrent.TimeUnit.SECONDS);
      return written.get();
    }
  }

  /** A PENDING message as schema V1's writers insert it. */
  private static void insertV1Row(JdbcTemplate jdbc, String refId) {
    jdbc.update(
        """
        INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,
                           next_attempt_at, created_at)
        VALUES (1, ?, 'orders', 'k', x'01', 3, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))""",
        refId);
  }

  @Test
  void aMessageStoreBusinessDatabaseNeedsOnlyTMsgOrderAtVersion3() {
    try (TestDatabase business = TestServers.database().createDatabase("schema_business")) {
      assertThatThrownBy(() -> OutboxSchema.checkBusinessTables(business.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("no table t_msg_order in business database schema_business");
      business.runScript(OutboxSchema.MYSQL_SCRIPTS.get(0));
      JdbcTemplate jdbc = new JdbcTemplate(business.dataSource());
      jdbc.execute("DROP TABLE t_msg");
      jdbc.execute("DROP TABLE shedlock");
      assertThatThrownBy(() -> OutboxSchema.checkBusinessTables(business.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has no bus_msg_id: apply sql/mysql/V3__message_store.sql");
      jdbc.execute("ALTER TABLE t_msg_order ADD COLUMN bus_msg_id VARCHAR(64) NULL");

      OutboxSchema.checkBusinessTables(business.dataSource()); // t_msg_order alone is enough
      assertThatThrownBy(() -> OutboxSchema.check(business.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("no outbox table t_msg");
    }
  }

  @Test
  void springBootReportsARefusedSchemaInItsFailureBlockNotAsAStackTrace() {
    try (TestDatabase empty = TestServers.database().createDatabase("schema_analyzed")) {
      Throwable refused = catchThrowable(() -> OutboxSchema.check(empty.dataSource()));
      assertThat(refused).isInstanceOf(DatabaseRefusedException.class);

      // as Spring Boot meets it: deep in a bean's creation failure
      FailureAnalysis analysis =
          SpringFactoriesLoader.forDefaultResourceLocation()
              .load(FailureAnalyzer.class, null, (type, implementation, error) -> {})
              .stream()
              .filter(analyzer -> analyzer instanceof DatabaseRefusedFailureAnalyzer)
              .findFirst()
              .orElseThrow()
              .analyze(
                  new BeanCreationException(
                      "outbox", "Failed to instantiate", new IllegalStateException(refused)));

      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription())
          .startsWith("no outbox table t_msg in database schema_analyzed")
          .doesNotContain("\n");
      assertThat(analysis.getAction()).contains("docs/service.md");
    }
  }

  @Test
  void aDatabaseWithoutTheOutboxTablesIsRefusedNamingTheScripts() {
    try (TestDatabase empty = TestServers.database().createDatabase("schema_none")) {
      assertThatThrownBy(() -> OutboxSchema.check(empty.dataSource()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("no outbox table t_msg in database schema_none")
          .hasMessageContaining(
              "V1__outbox.sql, then V2__sizes_and_key_locks.sql, V3__message_store.sql,"
                  + " V4__message_ids.sql, then V5__key_index_without_status.sql");
    }
  }

  @Test
  void claimWalksTheLaneIndexInIdOrderAndLocksThroughThePrimaryKey() {
    // a worker's round over three lanes: one part per lane, each in id order from the index
    String candidates = RoundClaims.candidatesSql(3);
    for (String value : List.of("3", "0", "500", "4", "0", "500", "5", "1200", "500")) {
      candidates = candidates.replaceFirst("\\?", value);
    }
    List<Map<String, Object>> plan = jdbc.queryForList("EXPLAIN " + candidates);
    Map<String, Object> lock = explain(RoundClaims.CLAIM_IDS.replace(":ids", "3, 19, 35, 51"));

    assertThat(plan).filteredOn(row -> "t_msg".equals(row.get("table"))).hasSize(3);
    for (Map<String, Object> part : plan) {
      if ("t_msg".equals(part.get("table"))) {
        assertThat(part.get("key")).isEqualTo("idx_msg_claim");
        assertThat(part.get("type")).isIn("ref", "range");
      }
      assertThat(String.valueOf(part.get("Extra"))).doesNotContainIgnoringCase("filesort");
    }
    assertThat(lock.get("key")).isEqualTo("PRIMARY");
    assertThat(lock.get("type")).isEqualTo("range");
    assertThat(String.valueOf(lock.get("Extra"))).doesNotContainIgnoringCase("filesort");
  }

  @Test
  void theFastPathGuardOfTheVersionBeforeStillReadsByIndexOnV5() {
    // V4's code asked by key with status in the index; during an upgrade it runs on V5's index
    List<Map<String, Object>> plan =
        jdbc.queryForList(
            """
            EXPLAIN SELECT msg_key, MIN(id) AS first_id FROM t_msg
            WHERE msg_key IN ('key-1', 'key-2') AND status IN (0, 4) AND id < 15000
              AND id NOT IN (11, 12)
            GROUP BY msg_key""");

    assertThat(plan)
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row.get("key")).isEqualTo("idx_msg_by_key");
              assertThat(row.get("type")).isEqualTo("range");
            });
  }

  @Test
  void theFastPathGuardReadsAKeysRowsInItsWindowByTheKeyIndex() {
    List<Map<String, Object>> plan =
        jdbc.queryForList(
            "EXPLAIN "
                + RoundClaims.keyRowsSinceSql(2)
                    .replace(":keys0", "'key-1', 'key-2'")
                    .replace(":from0", "14000")
                    .replace(":maxId0", "15000")
                    .replace(":claimed0", "14990, 14991")
                    .replace(":keys1", "'key-3'")
                    .replace(":from1", "100")
                    .replace(":maxId1", "19000")
                    .replace(":claimed1", "18990"));

    assertRangesOf(plan, 2, "idx_msg_by_key");
  }

  @Test
  void thePurgeOfUnusedKeyLocksProbesTheKeyIndex() {
    List<Map<String, Object>> plan =
        jdbc.queryForList(
            "EXPLAIN " + OutboxMaintenance.LOCK_UNUSED_KEYS.replace(":keys", "'key-1', 'key-2'"));

    assertThat(plan)
        .filteredOn(row -> "m".equals(row.get("table")))
        .singleElement()
        .satisfies(row -> assertThat(row.get("key")).isEqualTo("idx_msg_by_key"));
  }

  @Test
  void relayOrderingGuardAndGaugesWalkTheLaneIndex() {
    List<Map<String, Object>> guard =
        jdbc.queryForList(
            "EXPLAIN "
                + RoundClaims.unclaimedInLanesSql(2)
                    .replace(":lane0", "3")
                    .replace(":maxId0", "15000")
                    .replace(":claimed0", "11, 12")
                    .replace(":limit0", "33")
                    .replace(":lane1", "4")
                    .replace(":maxId1", "9000")
                    .replace(":claimed1", "13")
                    .replace(":limit1", String.valueOf(Long.MAX_VALUE)));
    Map<String, Object> gauges =
        explain(OutboxMaintenance.PENDING_STATS.replace(":lanes", "0, 1, 2, 3, 4, 5, 6, 7"));

    // one range of idx_msg_claim per claimed lane
    assertRangesOf(guard, 2, "idx_msg_claim");
    assertThat(gauges.get("key")).isEqualTo("idx_msg_claim");
    assertThat(String.valueOf(gauges.get("Extra"))).contains("Using index");
  }

  /** The plan has {@code parts} rows on t_msg, each a range of {@code index}. */
  private static void assertRangesOf(List<Map<String, Object>> plan, int parts, String index) {
    assertThat(plan)
        .filteredOn(part -> "t_msg".equals(part.get("table")))
        .hasSize(parts)
        .allSatisfy(
            part -> {
              assertThat(part.get("key")).isEqualTo(index);
              assertThat(part.get("type")).isEqualTo("range");
            });
  }

  private static Map<String, Object> explain(String sql) {
    List<Map<String, Object>> plan = jdbc.queryForList("EXPLAIN " + sql);
    assertThat(plan).as("one table, one plan row: %s", plan).hasSize(1);
    return plan.get(0);
  }
}
