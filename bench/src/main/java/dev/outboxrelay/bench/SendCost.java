package dev.outboxrelay.bench;

import dev.outboxrelay.OutboxSettings;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Phase 4: what {@code Outbox.send} adds to a business transaction. One thread runs the same
 * business transaction (one INSERT into {@code t_order}) in four variants, alternating in blocks of
 * {@value #BLOCK} so that drift (buffer pool, redo log, JIT, neighbours) hits all alike: without
 * the outbox; with {@code send} and the fast path (what a service runs, {@code outbox.key-order=
 * commit}); with {@code send} and the fast path off (the outbox's statements alone); the same with
 * {@code key-order=insert} (no key lock: the difference is what the lock costs, measured without
 * the fast path's background work).
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

  private SendCost() {}

  record Result(
      Latencies without,
      Latencies withFastPath,
      Latencies withoutFastPath,
      Latencies withoutFastPathInsertOrder) {}

  static Result run(Bench bench) throws Exception {
    bench.section("[4] What send costs a business transaction");
    try (BenchDatabase db = BenchDatabase.create("bench_send")) {
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
      Latencies[] measured = {new Latencies(), new Latencies(), new Latencies(), new Latencies()};
      Cpu.Snapshot cpuBefore;
      long[] seq = new long[1];
      try (Service withFastPath = new Service(db.pool("service-fast", 4), fastPathSettings);
          Service withoutFastPath = new Service(db.pool("service-plain", 4), relayOnlySettings);
          Service insertOrder = new Service(db.pool("service-insert", 4), insertOrderSettings)) {
        Variant[] variants = {
          () -> order(withFastPath, null, topic, seq[0]++, "customer-"),
          () -> order(withFastPath, withFastPath, topic, seq[0]++, "customer-"),
          // keys of their own: their rows stay PENDING (no relay here), and the ordering guard
          // would rightly hold back later fast-path messages of the same keys
          () -> order(withoutFastPath, withoutFastPath, topic, seq[0]++, "no-fast-path-"),
          () -> order(insertOrder, insertOrder, topic, seq[0]++, "no-fast-path-insert-")
        };
        bench.line(
            "single thread; blocks of %d per variant in rotating order; %d warm-up blocks,"
                + " then %d measured blocks per variant (%,d transactions each)",
            BLOCK, WARM_UP_BLOCKS, MEASURED_BLOCKS, MEASURED_BLOCKS * BLOCK);
        bench.line("with send: %s", fastPathSettings);
        bench.line("no relay runs in this phase; the fast path publishes every message");
        cpuBefore = bench.cpu.snapshot();
        for (int round = 0; round < WARM_UP_BLOCKS + MEASURED_BLOCKS; round++) {
          for (int k = 0; k < variants.length; k++) {
            int variant = (round + k) % variants.length;
            for (int i = 0; i < BLOCK; i++) {
              long started = System.nanoTime();
              variants[variant].run();
              long elapsed = System.nanoTime() - started;
              if (round >= WARM_UP_BLOCKS) {
                measured[variant].recordNanos(elapsed);
              }
            }
          }
        }
      }
      String cpu = bench.cpu.snapshot().coresSince(cpuBefore);
      long pending = db.pending();
      bench.line("INSERT t_order only:               %s", measured[0].summary());
      bench.line("INSERT t_order + send (fast path): %s", measured[1].summary());
      bench.line("INSERT t_order + send (no fast p.): %s", measured[2].summary());
      bench.line("INSERT t_order + send (no fast p., key-order insert): %s", measured[3].summary());
      bench.line(
          "CPU: %s; PENDING rows at the end: %d (expected %d: those of the fast-path-off variants)",
          cpu, pending, 2L * (WARM_UP_BLOCKS + MEASURED_BLOCKS) * BLOCK);
      return new Result(measured[0], measured[1], measured[2], measured[3]);
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

  @FunctionalInterface
  private interface Variant {
    void run();
  }
}
