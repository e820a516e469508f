package dev.outboxrelay.bench;

import dev.outboxrelay.MessageStoreOutbox;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.PreparedMessage;
import dev.outboxrelay.internal.MessageStatus;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Phase 4: what {@code Outbox.send} adds to a business transaction. One thread runs the same
 * business transaction (one INSERT into {@code t_order}) in six variants, alternating in blocks of
 * {@value #BLOCK} so that drift (buffer pool, redo log, JIT, neighbours) hits all alike: without
 * the outbox; with {@code send} and the fast path (what a service runs, {@code outbox.key-order=
 * commit}); with {@code send} and the fast path off (the outbox's statements alone); the same with
 * {@code key-order=insert} (no key lock: the difference is what the lock costs, measured without
 * the fast path's background work); and message-store mode with the fast path off, its message
 * database a second database on the same server: {@code send} in the transaction (the article's
 * approach 4), and {@code prepare} before it with {@code enlist} in it (approach 5). Each latency
 * is everything the calling thread waits for: the whole {@code TransactionTemplate.execute}
 * including the commit and message-store mode's confirmation after it, and approach 5's {@code
 * prepare} before it.
 */
final class SendCost {
  static final int BLOCK = 100;
  static final int WARM_UP_BLOCKS = 10;
  static final int MEASURED_BLOCKS = 50;

  private static final String CREATE_ORDERS =
      """
      CREATE TABLE t_order (
        id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
        customer_id VARCHAR(64)   NOT NULL,
        amount      DECIMAL(12,2) NOT NULL,
        created_at  DATETIME(3)   NOT NULL
      ) ENGINE = InnoDB""";

  private static final String INSERT_ORDER =
      "INSERT INTO t_order (customer_id, amount, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))";

  private static final int PREPARED = MessageStatus.PREPARED.code();
  private static final int CANCELLED = MessageStatus.CANCELLED.code();

  private static final String[] VARIANT_NAMES = {
    "without",
    "fast path",
    "no fast p.",
    "key-order insert",
    "approach 4",
    "approach 5",
    "without (2nd)",
    "no fast p. (2nd)"
  };

  private SendCost() {}

  record Result(
      Latencies without,
      Latencies withFastPath,
      Latencies withoutFastPath,
      Latencies withoutFastPathInsertOrder,
      Latencies withoutBesideMessageStore,
      Latencies sameDatabaseBesideMessageStore,
      Latencies messageStoreSend,
      Latencies messageStorePrepareEnlist) {}

  static Result run(Bench bench) throws Exception {
    bench.section("[4] What send costs a business transaction");
    try (BenchDatabase db = BenchDatabase.create("bench_send");
        BenchDatabase messageDb = BenchDatabase.create("bench_send_msgs")) {
      db.jdbc.execute(CREATE_ORDERS);
      String topic = bench.newTopic("send");
      OutboxSettings fastPathSettings =
          OutboxSettings.builder()
              .lanes(Bench.LANES)
              .kafkaBootstrapServers(bench.bootstrapServers())
              .build();
      OutboxSettings insertOrderSettings =
          OutboxSettings.builder()
              .lanes(Bench.LANES)
              .keyOrder(OutboxSettings.KeyOrder.INSERT)
              .build();
      OutboxSettings relayOnlySettings = OutboxSettings.builder().lanes(Bench.LANES).build();
      // no fast path, key order as relayOnlySettings (it does not apply in this mode): the
      // difference to the same-database variant without fast path is the mode alone
      OutboxSettings messageStoreSettings =
          OutboxSettings.builder()
              .lanes(Bench.LANES)
              .mode(OutboxSettings.Mode.MESSAGE_STORE)
              .build();
      // 0-3 same database, 4-5 message store, 6-7 no outbox and same database (no fast path)
      // again, beside the message store
      Latencies[] measured = new Latencies[8];
      for (int i = 0; i < measured.length; i++) {
        measured[i] = new Latencies();
      }
      // every variant's pools count the statements the calling thread sends, alike
      Map<String, String> counted = StatementCounter.DRIVER_PROPERTIES;
      long[][] statements = new long[8][2]; // per variant: business database, message database
      Cpu.Snapshot cpuBefore;
      long[] seq = new long[1];
      try (Service withFastPath =
              new Service(db.pool("service-fast", 4, counted), fastPathSettings);
          Service withoutFastPath =
              new Service(db.pool("service-plain", 4, counted), relayOnlySettings);
          Service insertOrder =
              new Service(db.pool("service-insert", 4, counted), insertOrderSettings);
          Service approach4 =
              new Service(
                  db.pool("service-ms4", 4, counted),
                  messageDb.pool("service-ms4-messages", 4, counted),
                  messageStoreSettings);
          Service approach5 =
              new Service(
                  db.pool("service-ms5", 4, counted),
                  messageDb.pool("service-ms5-messages", 4, counted),
                  messageStoreSettings)) {
        Variant[] variants = {
          () -> order(withFastPath, null, topic, seq[0]++, "customer-"),
          () -> order(withFastPath, withFastPath, topic, seq[0]++, "customer-"),
          // keys of their own: their rows stay PENDING (no relay here), and the ordering guard
          // would rightly hold back later fast-path messages of the same keys
          () -> order(withoutFastPath, withoutFastPath, topic, seq[0]++, "no-fast-path-"),
          () -> order(insertOrder, insertOrder, topic, seq[0]++, "no-fast-path-insert-"),
          () -> order(approach4, approach4, topic, seq[0]++, "message-store-4-"),
          () -> prepareThenOrder(approach5, topic, seq[0]++, "message-store-5-"),
          () -> order(withFastPath, null, topic, seq[0]++, "customer-"),
          () -> order(withoutFastPath, withoutFastPath, topic, seq[0]++, "no-fast-path-")
        };
        bench.line(
            "single thread; blocks of %d per variant in rotating order; %d warm-up blocks,"
                + " then %d measured blocks per variant (%,d transactions each); two rotations,"
                + " one after the other: the same-database variants (as before message-store mode,"
                + " so that their figures stay comparable: the fast path's latency depends on what"
                + " runs between its blocks), then no outbox, same database without fast path and"
                + " the two message-store variants",
            BLOCK, WARM_UP_BLOCKS, MEASURED_BLOCKS, MEASURED_BLOCKS * BLOCK);
        bench.line("with send: %s", fastPathSettings);
        bench.line(
            "message store: %s; message database %s, a second database on the same MariaDB server"
                + " (in a real deployment another server, a network round trip further)",
            messageStoreSettings, messageDb.name());
        bench.line(
            "no relay runs in this phase; the fast path publishes its variant's messages, the"
                + " others stay PENDING");
        cpuBefore = bench.cpu.snapshot();
        StatementCounter.count(Thread.currentThread());
        rotate(variants, new int[] {0, 1, 2, 3}, measured, statements, db, messageDb);
        rotate(variants, new int[] {6, 7, 4, 5}, measured, statements, db, messageDb);
        StatementCounter.count(null);
      }
      String cpu = bench.cpu.snapshot().coresSince(cpuBefore);
      long perVariant = (long) (WARM_UP_BLOCKS + MEASURED_BLOCKS) * BLOCK;
      long pending = db.pending();
      bench.line("INSERT t_order only:               %s", measured[0].summary());
      bench.line("INSERT t_order + send (fast path): %s", measured[1].summary());
      bench.line("INSERT t_order + send (no fast p.): %s", measured[2].summary());
      bench.line("INSERT t_order + send (no fast p., key-order insert): %s", measured[3].summary());
      bench.line(
          "message store, approach 4: INSERT t_order + send (no fast p.): %s",
          measured[4].summary());
      bench.line(
          "message store, approach 5: prepare, then INSERT t_order + enlist (no fast p.): %s",
          measured[5].summary());
      bench.line("beside them, INSERT t_order only:  %s", measured[6].summary());
      bench.line("beside them, + send (no fast p.):  %s", measured[7].summary());
      long calls = (long) MEASURED_BLOCKS * BLOCK;
      StringBuilder perCall = new StringBuilder();
      for (int v = 0; v < statements.length; v++) {
        perCall.append(v == 0 ? "" : ", ").append(VARIANT_NAMES[v]);
        perCall.append(String.format(" %.1f", (double) statements[v][0] / calls));
        if (statements[v][1] > 0) {
          perCall.append(String.format(" + %.1f", (double) statements[v][1] / calls));
        }
      }
      bench.line(
          "statements the calling thread sends per call (each a round trip, COMMIT and SET"
              + " autocommit included), business database + message database: %s",
          perCall);
      bench.line(
          "CPU: %s; PENDING rows at the end: %d (expected %d: those of the fast-path-off variants)",
          cpu, pending, 3 * perVariant);
      bench.line(
          "message database at the end: PENDING %d (expected %d: every message-store call"
              + " confirmed), PREPARED %d, CANCELLED %d (expected 0)",
          messageDb.pending(),
          2 * perVariant,
          messageDb.count("SELECT COUNT(*) FROM t_msg WHERE status = ?", PREPARED),
          messageDb.count("SELECT COUNT(*) FROM t_msg WHERE status = ?", CANCELLED));
      return new Result(
          measured[0],
          measured[1],
          measured[2],
          measured[3],
          measured[6],
          measured[7],
          measured[4],
          measured[5]);
    }
  }

  /**
   * Runs {@code which} of {@code variants} in blocks of {@value #BLOCK}, in rotating order,
   * recording the measured blocks' latencies and statements per database.
   */
  private static void rotate(
      Variant[] variants,
      int[] which,
      Latencies[] measured,
      long[][] statements,
      BenchDatabase db,
      BenchDatabase messageDb) {
    for (int round = 0; round < WARM_UP_BLOCKS + MEASURED_BLOCKS; round++) {
      for (int k = 0; k < which.length; k++) {
        int variant = which[(round + k) % which.length];
        long businessBefore = StatementCounter.statements(db.name());
        long messagesBefore = StatementCounter.statements(messageDb.name());
        for (int i = 0; i < BLOCK; i++) {
          long started = System.nanoTime();
          variants[variant].run();
          long elapsed = System.nanoTime() - started;
          if (round >= WARM_UP_BLOCKS) {
            measured[variant].recordNanos(elapsed);
          }
        }
        if (round >= WARM_UP_BLOCKS) {
          statements[variant][0] += StatementCounter.statements(db.name()) - businessBefore;
          statements[variant][1] += StatementCounter.statements(messageDb.name()) - messagesBefore;
        }
      }
    }
  }

  /** The business transaction: one order, and its message when {@code outbox} is given. */
  private static void order(
      Service transactions, Service outbox, String topic, long seq, String keyPrefix) {
    String customer = keyPrefix + ThreadLocalRandom.current().nextInt(Bench.KEYS);
    transactions.transaction.executeWithoutResult(
        status -> {
          transactions.jdbc.update(INSERT_ORDER, customer, 10 + seq % 990);
          if (outbox != null) {
            outbox.outbox.send(Service.message(topic, seq, customer, "order-" + seq));
          }
        });
  }

  /**
   * Approach 5: the message prepared on the message database before the business transaction,
   * enlisted in it, confirmed after its commit (inside {@code executeWithoutResult}).
   */
  private static void prepareThenOrder(Service service, String topic, long seq, String keyPrefix) {
    String customer = keyPrefix + ThreadLocalRandom.current().nextInt(Bench.KEYS);
    MessageStoreOutbox outbox = java.util.Objects.requireNonNull(service.messageStore);
    PreparedMessage prepared =
        outbox.prepare(Service.message(topic, seq, customer, "order-" + seq));
    service.transaction.executeWithoutResult(
        status -> {
          service.jdbc.update(INSERT_ORDER, customer, 10 + seq % 990);
          outbox.enlist(prepared);
        });
  }

  @FunctionalInterface
  private interface Variant {
    void run();
  }
}
