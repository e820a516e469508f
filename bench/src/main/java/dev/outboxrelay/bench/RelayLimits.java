package dev.outboxrelay.bench;

import dev.outboxrelay.internal.BatchPublisher;
import dev.outboxrelay.internal.OrderingGuard;
import dev.outboxrelay.internal.OutboxRow;
import dev.outboxrelay.internal.RoundClaims;
import dev.outboxrelay.internal.RoundOutcomes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Phase 1b, where the relay's time goes: the raw limits of each side (an idempotent producer alone;
 * the database claim-and-mark alone) and one relay loop run by hand, single-threaded, with every
 * step timed: claim, ordering guard, publish (send all, await acks), mark SENT, and transaction
 * begin/commit. It uses the relay's own building blocks (RoundClaims, RoundOutcomes, OrderingGuard,
 * BatchPublisher) in the order LaneRound uses them.
 */
final class RelayLimits {
  static final int RAW_RECORDS = 200_000;
  static final int LOOP_ROWS = 50_000;

  private RelayLimits() {}

  record Limits(double producerOnly, double databaseOnly, double handLoop) {}

  /** What the hand loop does with a claimed batch. */
  enum Mode {
    /** claim, guard, mark, commit: no Kafka */
    DATABASE_ONLY,
    /** what LaneRound does: claim, guard, publish and await the acks, mark, commit */
    WITH_KAFKA
  }

  static Limits run(Bench bench) throws Exception {
    bench.section("[1b] Limits and where a relay batch spends its time");
    double producerOnly = rawProducer(bench);
    double databaseOnly = handLoop(bench, Mode.DATABASE_ONLY);
    double handLoop = handLoop(bench, Mode.WITH_KAFKA);
    return new Limits(producerOnly, databaseOnly, handLoop);
  }

  /** The same records straight from memory to Kafka: what the broker and producer can take. */
  private static double rawProducer(Bench bench) throws Exception {
    String topic = bench.newTopic("raw");
    try (Producer<byte[], byte[]> producer = bench.producer("bench-raw", Map.of())) {
      // warm the producer up: metadata, connections, idempotent producer id
      producer.send(new ProducerRecord<>(topic, "warm".getBytes(StandardCharsets.UTF_8))).get();
      CountDownLatch acked = new CountDownLatch(RAW_RECORDS);
      AtomicLong failed = new AtomicLong();
      Cpu.Snapshot cpuBefore = bench.cpu.snapshot();
      long started = System.nanoTime();
      for (int i = 0; i < RAW_RECORDS; i++) {
        String key = Backlog.key(i, Bench.KEYS);
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(
                topic, key.getBytes(StandardCharsets.UTF_8), Backlog.payload(i, key));
        record.headers().add("outbox-id", Long.toString(i).getBytes(StandardCharsets.UTF_8));
        producer.send(
            record,
            (metadata, error) -> {
              if (error != null) {
                failed.incrementAndGet();
              }
              acked.countDown();
            });
      }
      if (!acked.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("raw producer: acks missing after 2 minutes");
      }
      long elapsed = System.nanoTime() - started;
      double rate = RAW_RECORDS / Bench.seconds(elapsed);
      bench.line(
          "raw producer only (no database; idempotent, acks=all, linger 5 ms, batch.size 256 KiB):"
              + " %,d records in %.2f s -> %,.0f msg/s, %d failed; CPU %s",
          RAW_RECORDS,
          Bench.seconds(elapsed),
          rate,
          failed.get(),
          bench.cpu.snapshot().coresSince(cpuBefore));
      return rate;
    }
  }

  /**
   * One thread, lane after lane, batches of the relay's size until each lane is empty. With {@code
   * kafka} false the rows are marked SENT without publishing: the database's part alone.
   */
  static double handLoop(Bench bench, Mode mode) throws Exception {
    boolean kafka = mode == Mode.WITH_KAFKA;
    try (BenchDatabase db = BenchDatabase.create("bench_loop")) {
      String topic = bench.newTopic("loop");
      Backlog.fill(db.pool("backlog", 1), topic, LOOP_ROWS, Bench.KEYS, Bench.LANES);
      DataSource pool = db.pool("loop", 2);
      RoundClaims store = new RoundClaims(pool);
      RoundOutcomes outcomes = new RoundOutcomes(pool);
      // the relay's guard (LaneRound): by lane, over idx_msg_claim
      OrderingGuard guard = OrderingGuard.byLane(store);
      TransactionTemplate transaction =
          new TransactionTemplate(new DataSourceTransactionManager(pool));
      transaction.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
      int batchSize = RelayThroughput.BATCH_SIZE;
      try (Producer<byte[], byte[]> producer =
          kafka ? bench.producer("bench-loop", Map.of()) : null) {
        BatchPublisher publisher =
            producer == null
                ? null
                : new BatchPublisher(producer, Duration.ofSeconds(15), Duration.ofSeconds(2));
        if (producer != null) {
          producer.partitionsFor(topic); // metadata now, not in the first timed batch
        }
        long[] step = new long[4]; // claim, guard, publish, mark
        long[] total = new long[1];
        int[] batches = new int[1];
        long[] rows = new long[1];
        Cpu.Snapshot cpuBefore = bench.cpu.snapshot();
        long started = System.nanoTime();
        for (int lane = 0; lane < Bench.LANES; lane++) {
          final int currentLane = lane;
          while (true) {
            long begin = System.nanoTime();
            Integer claimedCount =
                transaction.execute(
                    status -> {
                      long t0 = System.nanoTime();
                      List<OutboxRow> claimed =
                          store.claimLanes(List.of(currentLane), batchSize, Long.MAX_VALUE).rows();
                      long t1 = System.nanoTime();
                      if (claimed.isEmpty()) {
                        step[0] += t1 - t0;
                        return 0;
                      }
                      List<OutboxRow> released = guard.releasable(claimed);
                      long t2 = System.nanoTime();
                      List<Long> ids;
                      if (publisher != null) {
                        BatchPublisher.Outcome outcome = publisher.publish(released);
                        if (!outcome.failed().isEmpty()) {
                          throw new IllegalStateException(
                              "publish failed: " + outcome.failed().get(0).error());
                        }
                        ids = outcome.ackedIds();
                      } else {
                        ids = released.stream().map(OutboxRow::id).toList();
                      }
                      long t3 = System.nanoTime();
                      outcomes.markSent(ids);
                      long t4 = System.nanoTime();
                      step[0] += t1 - t0;
                      step[1] += t2 - t1;
                      step[2] += t3 - t2;
                      step[3] += t4 - t3;
                      return claimed.size();
                    });
            total[0] += System.nanoTime() - begin;
            int n = claimedCount == null ? 0 : claimedCount;
            if (n > 0) {
              batches[0]++;
              rows[0] += n;
            }
            if (n < batchSize) {
              break;
            }
          }
        }
        long elapsed = System.nanoTime() - started;
        String cpu = bench.cpu.snapshot().coresSince(cpuBefore);
        if (rows[0] != LOOP_ROWS || db.pending() != 0) {
          throw new IllegalStateException(
              "hand loop moved " + rows[0] + " rows, " + db.pending() + " still PENDING");
        }
        double rate = LOOP_ROWS / Bench.seconds(elapsed);
        long transactionOverhead = total[0] - step[0] - step[1] - step[2] - step[3];
        bench.line(
            "%s: %,d rows, 1 thread, %d batches of up to %,d -> %,.0f msg/s; CPU %s",
            switch (mode) {
              case WITH_KAFKA -> "relay loop by hand (claim, guard, publish+acks, mark, commit)";
              case DATABASE_ONLY -> "database only (claim, guard, mark, commit; no Kafka)";
            },
            LOOP_ROWS,
            batches[0],
            batchSize,
            rate,
            cpu);
        bench.line(
            "    per batch: claim %.1f ms, guard %.1f ms, publish %.1f ms, mark %.1f ms,"
                + " begin+commit %.1f ms (= %.0f%% / %.0f%% / %.0f%% / %.0f%% / %.0f%%)",
            ms(step[0], batches[0]),
            ms(step[1], batches[0]),
            ms(step[2], batches[0]),
            ms(step[3], batches[0]),
            ms(transactionOverhead, batches[0]),
            100.0 * step[0] / total[0],
            100.0 * step[1] / total[0],
            100.0 * step[2] / total[0],
            100.0 * step[3] / total[0],
            100.0 * transactionOverhead / total[0]);
        return rate;
      }
    }
  }

  private static double ms(long nanos, int batches) {
    return batches == 0 ? 0 : nanos / 1e6 / batches;
  }
}
