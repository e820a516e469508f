package dev.outboxrelay.bench;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.relay.OutboxRelay;
import dev.outboxrelay.relay.RelaySettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Phase 3: commit-to-consumer latency under a steady load. Writer threads commit one message per
 * transaction through {@code Outbox.send} at a fixed total rate, paced against a schedule; the
 * commit time of each message is taken in {@code afterCommit} (right after the database commit,
 * before the fast path is handed the id); a real consumer notes when each {@code outbox-id}
 * arrives.
 */
final class EndToEndLatency {
  static final int RATE = 2_000;
  static final int WRITERS = 4;
  static final Duration WARM_UP = Duration.ofSeconds(5);
  static final Duration MEASURED = Duration.ofSeconds(20);
  static final int RELAY_BATCH_SIZE = 2_000;
  static final int RELAY_WORKERS = 2;
  static final Duration POLL_INTERVAL = Duration.ofMillis(10);

  private EndToEndLatency() {}

  record Result(Latencies latencies, long missing, double relayShare) {}

  /**
   * One load run: {@code rate} messages per second for {@code warmUp + measured}, fast path on or
   * off, the relay with {@code relayWorkers} and producer overrides {@code relayKafkaProperties}.
   */
  record Load(
      String label,
      boolean fastPath,
      int rate,
      Duration warmUp,
      Duration measured,
      int lanes,
      int relayWorkers,
      Map<String, String> relayKafkaProperties) {
    static Load of(String label, boolean fastPath) {
      return new Load(
          label, fastPath, RATE, WARM_UP, MEASURED, Bench.LANES, RELAY_WORKERS, Map.of());
    }
  }

  static Result run(Bench bench, boolean fastPath) throws Exception {
    return run(
        bench,
        Load.of(
            fastPath
                ? "with the fast path of outbox-api (and the relay running)"
                : "relay only (fast path off)",
            fastPath));
  }

  static Result run(Bench bench, Load load) throws Exception {
    boolean fastPath = load.fastPath();
    int rate = load.rate();
    bench.out.println();
    bench.out.println("  -- " + load.label() + " --");
    try (BenchDatabase db = BenchDatabase.create(fastPath ? "bench_e2e_fast" : "bench_e2e_relay")) {
      String topic = bench.newTopic(fastPath ? "e2e-fast" : "e2e-relay");
      OutboxSettings.Builder outboxSettings = OutboxSettings.builder().lanes(load.lanes());
      if (fastPath) {
        outboxSettings.kafkaBootstrapServers(bench.bootstrapServers());
      }
      OutboxSettings settings = outboxSettings.build();
      RelaySettings relaySettings =
          bench.relaySettings(
              load.lanes(),
              RELAY_BATCH_SIZE,
              load.relayWorkers(),
              POLL_INTERVAL,
              load.relayKafkaProperties(),
              RelaySettings.OnAck.MARK_SENT);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      Map<Long, Long> committedNanos = new ConcurrentHashMap<>();
      AtomicLong behindSchedule = new AtomicLong();
      AtomicLong failures = new AtomicLong();
      try (TopicConsumer consumer = new TopicConsumer(bench.bootstrapServers(), topic);
          Service service = new Service(db.pool("service", WRITERS + 2), settings);
          OutboxRelay relay = new OutboxRelay(db.pool("relay", 6), relaySettings, meters)) {
        relay.start();
        long leaseDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (relay.ownedLanes().size() < load.lanes() && System.nanoTime() < leaseDeadline) {
          TimeUnit.MILLISECONDS.sleep(10);
        }
        bench.line("outbox: %s", settings);
        bench.line(
            "relay: %s%s",
            relaySettings,
            load.relayKafkaProperties().isEmpty()
                ? ""
                : " with producer overrides " + load.relayKafkaProperties());

        Map<String, Long> statusBefore = Bench.serverStatus(db.jdbc);
        Cpu.Snapshot cpuBefore = bench.cpu.snapshot();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long measureFrom = start + load.warmUp().toNanos();
        long end = measureFrom + load.measured().toNanos();
        long interval = TimeUnit.SECONDS.toNanos(1) * WRITERS / rate;
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          int writer = w;
          Thread thread =
              new Thread(
                  () -> {
                    long next = start + interval * writer / WRITERS;
                    long seq = 0;
                    while (next < end) {
                      long now;
                      while ((now = System.nanoTime()) < next) {
                        LockSupport.parkNanos(next - now);
                      }
                      if (now - next > TimeUnit.MILLISECONDS.toNanos(1)) {
                        behindSchedule.incrementAndGet();
                      }
                      try {
                        send(service, topic, writer, seq++, committedNanos);
                      } catch (RuntimeException e) {
                        failures.incrementAndGet();
                      }
                      next += interval;
                    }
                  },
                  "bench-writer-" + w);
          writers.add(thread);
          thread.start();
        }
        for (Thread thread : writers) {
          thread.join();
        }
        long writtenAt = System.nanoTime();
        Cpu.Snapshot cpuAfter = bench.cpu.snapshot();
        Map<String, Long> statusAfter = Bench.serverStatus(db.jdbc);
        long expected = committedNanos.size();
        // every committed message, counted by id: a duplicate must not end the wait early
        consumer.awaitDistinct(expected, Duration.ofSeconds(30));

        // the records carry each row's global id (t_msg.msg_id), send returned the row's id
        Map<Long, String> messageIds = new java.util.HashMap<>();
        db.jdbc.query(
            "SELECT id, msg_id FROM t_msg",
            rs -> {
              messageIds.put(rs.getLong(1), rs.getString(2));
            });
        Latencies latencies = new Latencies();
        long missing = 0;
        for (Map.Entry<Long, Long> commit : committedNanos.entrySet()) {
          if (commit.getValue() < measureFrom) {
            continue;
          }
          Long seen = consumer.firstSeen(messageIds.get(commit.getKey()));
          if (seen == null) {
            missing++;
          } else {
            latencies.recordNanos(seen - commit.getValue());
          }
        }
        double relayPublished =
            meters.find("outbox.messages.published").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
        double relayShare = expected == 0 ? 0 : relayPublished / expected;
        bench.line(
            "%d writers, %,d msg/s in total, one message per transaction, %d s warm-up + %d s"
                + " measured: %,d committed (%.0f msg/s achieved), %d failed, %d sends started"
                + " > 1 ms late",
            WRITERS,
            rate,
            load.warmUp().toSeconds(),
            load.measured().toSeconds(),
            expected,
            expected / Bench.seconds(writtenAt - start),
            failures.get(),
            behindSchedule.get());
        bench.line("commit -> consumed: %s", latencies.summary());
        bench.line(
            "delivered by the relay: %.1f%% (the rest by the fast path); not consumed within 30 s:"
                + " %d; duplicates: %d",
            100 * relayShare, missing, consumer.duplicates());
        bench.line("CPU during the load: %s", cpuAfter.coresSince(cpuBefore));
        bench.line(
            "MariaDB during the load: %s, %,.0f commits/s, %,.0f selects/s",
            Bench.locks(statusBefore, statusAfter),
            Bench.delta(statusBefore, statusAfter, "Com_commit") / Bench.seconds(writtenAt - start),
            Bench.delta(statusBefore, statusAfter, "Com_select")
                / Bench.seconds(writtenAt - start));
        return new Result(latencies, missing, relayShare);
      }
    }
  }

  private static void send(
      Service service, String topic, int writer, long seq, Map<Long, Long> committedNanos) {
    String key = Backlog.key(ThreadLocalRandom.current().nextInt(Bench.KEYS), Bench.KEYS);
    long[] id = new long[1];
    service.transaction.executeWithoutResult(
        status -> {
          id[0] =
              service.outbox.send(Service.message(topic, seq, key, "e2e-" + writer + "-" + seq));
          TransactionSynchronizationManager.registerSynchronization(
              new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                  committedNanos.put(id[0], System.nanoTime());
                }
              });
        });
  }
}
