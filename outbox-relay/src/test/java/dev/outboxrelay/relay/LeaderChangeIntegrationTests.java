package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.KafkaCluster;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader changes and replicas falling out of sync under load (issue 19, kind 5), on three brokers
 * with replication factor 3 and {@code min.insync.replicas=2}: the leader of a partition crashes
 * (SIGKILL) and comes back, followers freeze (SIGSTOP) for longer than the relay's send timeout,
 * while the relay publishes large messages, several producer batches per partition and round. A
 * batch can then expire while a later one of the same partition is delivered, so a key's records
 * may land out of order or twice; what must hold is that nothing is lost and that each key's last
 * copies are in id order (a consumer that keeps the latest copy of each message sees the key's
 * history in order).
 */
class LeaderChangeIntegrationTests {
  private static final Logger log = LoggerFactory.getLogger(LeaderChangeIntegrationTests.class);
  private static final int PARTITIONS = 3;

  /** Few keys, so that a round often carries several messages of one key. */
  private static final int KEYS = 8;

  private static final int BACKLOG_PER_KEY = 8;
  private static final int MIN_PAYLOAD = 100 * 1024;
  private static final int MAX_PAYLOAD = 500 * 1024;

  /** Messages written per second while the cluster is disturbed, so that the relay stays busy. */
  private static final int WRITES_PER_SECOND = 8;

  private static final int CYCLES = 3;
  private static final Duration DELIVERY = Duration.ofSeconds(90);

  @RegisterExtension final RelayFixture fixture = RelayFixture.onKafkaCluster(PARTITIONS);

  private final Map<String, Long> idByLabel = new ConcurrentHashMap<>();
  private final Map<String, Integer> nextSeqByKey = new ConcurrentHashMap<>();

  @Test
  void nothingIsLostAndEachKeysLastCopiesAreInIdOrderThroughLeaderCrashesAndFrozenFollowers()
      throws Exception {
    KafkaCluster cluster = TestServers.kafkaCluster();
    RelayFixture.Writer writer = fixture.writer(false);
    long seed = System.nanoTime();
    log.info("payload sizes from seed {}", seed);
    Random random = new Random(seed);
    long started = System.nanoTime();
    for (int round = 0; round < BACKLOG_PER_KEY; round++) {
      for (int k = 0; k < KEYS; k++) {
        write(writer, "key-" + k, random);
      }
    }
    log.info("backlog of {} messages written in {} ms", idByLabel.size(), millisSince(started));
    // Short waits: a round gives up after 2 s, its producer's delivery timeout is 2 s too, so a
    // leader change or a frozen follower makes batches expire. Producer batches of up to 1 MiB
    // hold several records: a record can join a batch the other worker's round opened earlier,
    // which expires inside this round, while the round's later records of the key, in batches of
    // their own, may still be delivered.
    fixture.startRelay(
        p ->
            p.sendTimeout(Duration.ofSeconds(2))
                .maxBlock(Duration.ofMillis(500))
                .batchBytes(4L * 1024 * 1024)
                .kafkaProperties(Map.of("batch.size", Integer.toString(1024 * 1024)))
                // a topic Kafka failed is put off; at most 2 s, so the rest goes out soon after
                .backoff(
                    new RelaySettings.Backoff(
                        Duration.ofMillis(200), Duration.ofSeconds(2), 2.0, 0.2)));
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
    try {
      Random loadRandom = new Random(seed + 1);
      ScheduledFuture<?> writes =
          load.scheduleAtFixedRate(
              () -> write(writer, "key-" + loadRandom.nextInt(KEYS), loadRandom),
              0,
              1_000 / WRITES_PER_SECOND,
              TimeUnit.MILLISECONDS);
      for (int cycle = 0; cycle < CYCLES; cycle++) {
        disturb(cluster, cycle % PARTITIONS);
      }
      assertThat(writes.isDone()).as("the load kept writing (a failed write ends it)").isFalse();
    } finally {
      load.shutdown();
      assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      cluster.restore();
    }
    log.info(
        "{} cycles of leader crashes and frozen followers over {} ms, {} messages written",
        CYCLES,
        millisSince(started),
        idByLabel.size());

    await("every message SENT")
        .atMost(DELIVERY)
        .until(
            () ->
                fixture.count(
                        "SELECT COUNT(*) FROM t_msg WHERE status = ?", MessageStatus.SENT.code())
                    == idByLabel.size());
    log.info("all {} messages SENT after {} ms", idByLabel.size(), millisSince(started));
    List<Received> records;
    try (TopicReader reader =
        TopicReader.fromBeginning(fixture.bootstrapServers(), fixture.topic)) {
      records = reader.awaitEnd(DELIVERY);
    }

    Map<String, List<Long>> idsByKey = new TreeMap<>();
    for (Received record : records) {
      idsByKey.computeIfAbsent(record.key(), key -> new ArrayList<>()).add(idOf(record));
    }
    int duplicates = records.size() - idByLabel.size();
    int rawInversions = 0;
    int keysWithRawInversions = 0;
    List<String> lastCopyViolations = new ArrayList<>();
    for (Map.Entry<String, List<Long>> key : idsByKey.entrySet()) {
      int inverted = invertedFirstCopies(key.getValue());
      rawInversions += inverted;
      keysWithRawInversions += inverted > 0 ? 1 : 0;
      List<Long> lastCopies = inOrderOfLastCopy(key.getValue());
      if (!isAscending(lastCopies)) {
        lastCopyViolations.add(key.getKey() + " " + key.getValue());
      }
    }
    log.info(
        "{} records for {} messages: {} duplicates; raw inversions (a message first landing after"
            + " a newer one of its key): {} messages in {} keys; keys whose last copies are out of"
            + " id order: {}; failed sends by reason: {}; {} ms in all",
        records.size(),
        idByLabel.size(),
        duplicates,
        rawInversions,
        keysWithRawInversions,
        lastCopyViolations.size(),
        failuresByReason(),
        millisSince(started));

    assertThat(records.stream().map(this::idOf).distinct())
        .as("every message on the topic, none lost")
        .containsExactlyInAnyOrderElementsOf(idByLabel.values());
    assertThat(lastCopyViolations).as("keys whose last copies are not in id order").isEmpty();
  }

  /**
   * One cycle: the leader of {@code partition} crashes; once another leads it, the remaining
   * follower freezes as well (the new leader alone can neither meet {@code min.insync.replicas}
   * nor, two controllers gone, shrink its ISR: every send waits), then thaws; the crashed node
   * comes back; then a follower of the next partition freezes for longer than the relay's send
   * timeout.
   */
  private void disturb(KafkaCluster cluster, int partition) {
    String topic = fixture.topic;
    int leader =
        await("a leader of partition " + partition)
            .atMost(Duration.ofSeconds(30))
            .until(() -> cluster.leader(topic, partition), id -> id != -1);
    cluster.kill(leader);
    int next =
        await("a new leader of partition " + partition)
            .atMost(Duration.ofSeconds(30))
            .until(() -> cluster.leader(topic, partition), id -> id != -1 && id != leader);
    freeze(cluster, 6 - leader - next, Duration.ofSeconds(2));
    cluster.start(leader);
    int nextPartition = (partition + 1) % PARTITIONS;
    int nextLeader =
        await("a leader of partition " + nextPartition)
            .atMost(Duration.ofSeconds(30))
            .until(() -> cluster.leader(topic, nextPartition), id -> id != -1);
    freeze(cluster, nextLeader % 3 + 1, Duration.ofSeconds(3));
  }

  /**
   * Freezes {@code node} for {@code time}, while the relay keeps publishing and no row goes DEAD.
   */
  private void freeze(KafkaCluster cluster, int node, Duration time) {
    cluster.pause(node);
    try {
      await("no row DEAD while node " + node + " is frozen")
          .during(time)
          .atMost(time.plusSeconds(5))
          .until(
              () ->
                  fixture.count(
                          "SELECT COUNT(*) FROM t_msg WHERE status = ?", MessageStatus.DEAD.code())
                      == 0);
    } finally {
      cluster.resume(node);
    }
  }

  /** Writes the key's next message, its payload labelled {@code key#seq|} and padded. */
  private void write(RelayFixture.Writer writer, String key, Random random) {
    int seq = nextSeqByKey.merge(key, 1, Integer::sum);
    String label = key + "#" + seq;
    int size = MIN_PAYLOAD + random.nextInt(MAX_PAYLOAD - MIN_PAYLOAD);
    StringBuilder payload = new StringBuilder(size).append(label).append('|');
    while (payload.length() < size) {
      payload.append((char) ('a' + random.nextInt(26)));
    }
    idByLabel.put(label, writer.send(key, payload.toString()));
  }

  private long idOf(Received record) {
    String value = record.value();
    return idByLabel.get(value.substring(0, value.indexOf('|')));
  }

  /**
   * The messages whose first copy landed after the first copy of a newer message of the key.
   *
   * @param ids the key's records' ids in offset order
   */
  private static int invertedFirstCopies(List<Long> ids) {
    List<Long> firstCopies = ids.stream().distinct().toList();
    int inverted = 0;
    for (int i = 0; i < firstCopies.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (firstCopies.get(j) > firstCopies.get(i)) {
          inverted++;
          break;
        }
      }
    }
    return inverted;
  }

  /** The key's message ids in the order of their last copies on the topic. */
  private static List<Long> inOrderOfLastCopy(List<Long> ids) {
    Map<Long, Integer> lastOffset = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      lastOffset.put(ids.get(i), i);
    }
    return lastOffset.keySet().stream().sorted(Comparator.comparing(lastOffset::get)).toList();
  }

  private static boolean isAscending(List<Long> ids) {
    for (int i = 1; i < ids.size(); i++) {
      if (ids.get(i - 1) > ids.get(i)) {
        return false;
      }
    }
    return true;
  }

  private Map<String, Double> failuresByReason() {
    Map<String, Double> reasons = new LinkedHashMap<>();
    for (Counter counter : fixture.meters.find(MicrometerPublishListener.FAILURES).counters()) {
      reasons.put(counter.getId().getTag("reason"), counter.count());
    }
    return reasons;
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
