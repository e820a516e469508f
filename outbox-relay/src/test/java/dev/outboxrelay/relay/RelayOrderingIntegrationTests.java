package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-key order (docs/design.md, "Guarantees", 4) and nothing lost, with two relays and the fast
 * path working one table while four writers commit concurrently; checked by consuming the topic.
 */
class RelayOrderingIntegrationTests {
  private static final int WRITERS = 4;
  private static final int KEYS_PER_WRITER = 10;
  private static final int MESSAGES_PER_WRITER = 500;

  @RegisterExtension final RelayFixture fixture = new RelayFixture(4);

  @Test
  void twoRelaysAndTheFastPathKeepPerKeyOrderAndLoseNothing() throws Exception {
    // Small batches and lease hand-overs while the writers run: relay B joins late, so lanes move.
    OutboxRelay a =
        fixture.startRelay(
            p -> {
              p.instanceId("relay-a");
              p.batchSize(20);
            });
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writerId = w;
        // Each key is written by one thread only: its id order is its commit order.
        RelayFixture.Writer writer = fixture.writer(writerId % 2 == 0); // half with the fast path
        done.add(
            writers.submit(
                () -> {
                  for (int i = 0; i < MESSAGES_PER_WRITER; i++) {
                    writer.send("w" + writerId + "-k" + (i % KEYS_PER_WRITER), Integer.toString(i));
                  }
                }));
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg") > 300);
      OutboxRelay b =
          fixture.startRelay(
              p -> {
                p.instanceId("relay-b");
                p.batchSize(20);
              });
      for (Future<?> writer : done) {
        writer.get(2, TimeUnit.MINUTES);
      }
      writers.shutdown();
      int total = WRITERS * MESSAGES_PER_WRITER;

      List<Received> received =
          reader.awaitUntil(
              all -> all.stream().map(Received::outboxId).distinct().count() >= total,
              Duration.ofMinutes(2));

      assertThat(received.stream().map(Received::outboxId).collect(Collectors.toSet()))
          .hasSize(total)
          .isEqualTo(
              new HashSet<>(fixture.jdbc.queryForList("SELECT msg_id FROM t_msg", String.class)));
      // per key, first deliveries in send order (a duplicate re-delivery may repeat one later)
      Map<String, List<Integer>> firstSeenByKey = new LinkedHashMap<>();
      Set<String> seen = new HashSet<>();
      for (Received record : received) {
        if (seen.add(record.outboxId())) {
          firstSeenByKey
              .computeIfAbsent(record.key(), k -> new ArrayList<>())
              .add(Integer.parseInt(record.value()));
        }
      }
      assertThat(firstSeenByKey).hasSize(WRITERS * KEYS_PER_WRITER);
      firstSeenByKey.forEach(
          (key, sequence) -> assertThat(sequence).as("order of key %s", key).isSorted());
      assertThat(a.ownedLanes()).isNotEmpty();
      assertThat(b.ownedLanes()).isNotEmpty();
    }
  }
}
