package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 19, kind 4, on a real broker that creates topics on demand ({@code
 * auto.create.topics.enable=true}, Kafka's default): a topic such a broker would create for any
 * producer is created and published to by the relay and the fast path alike, instead of its
 * messages waiting forever for a topic nobody creates. The shared test broker, which does not
 * create topics, keeps today's behaviour ({@link EnvironmentFailureIntegrationTests}).
 */
class AutoCreatedTopicIntegrationTests {
  private static final Duration BOUND = Duration.ofSeconds(30);
  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  @Test
  void theRelayPublishesToANeverCreatedTopicTheBrokerCreatesOnDemand() {
    KafkaBroker kafka = TestServers.autoCreatingKafka();
    String topic = "auto-created-" + UUID.randomUUID();
    RelayFixture.Writer plain = fixture.writer(false);
    RelayFixture.Writer writer =
        new RelayFixture.Writer(plain.outbox(), plain.transaction(), topic);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(writer.send("k-" + (i % 3), "p" + i));
    }

    fixture.startRelay(p -> p.kafkaBootstrapServers(kafka.bootstrapServers()).workers(1));

    await().atMost(BOUND).until(() -> ids.stream().allMatch(id -> fixture.status(id) == 1));
    try (TopicReader reader = TopicReader.fromBeginning(kafka.bootstrapServers(), topic)) {
      assertThat(reader.awaitCount(10, BOUND))
          .extracting(TopicReader.Received::value)
          .containsExactlyInAnyOrderElementsOf(
              IntStream.range(0, 10).mapToObj(i -> "p" + i).toList());
    }
  }

  @Test
  void theFastPathPublishesToANeverCreatedTopicTheBrokerCreatesOnDemandToo() {
    KafkaBroker kafka = TestServers.autoCreatingKafka();
    String topic = "auto-created-fast-" + UUID.randomUUID();
    RelayFixture.Writer writer = fixture.fastPathWriter(kafka, topic);

    // no relay: only the fast path can publish them
    List<Long> ids = List.of(writer.send("a", "first"), writer.send("b", "second"));

    await().atMost(BOUND).until(() -> ids.stream().allMatch(id -> fixture.status(id) == 1));
    try (TopicReader reader = TopicReader.fromBeginning(kafka.bootstrapServers(), topic)) {
      assertThat(reader.awaitCount(2, BOUND))
          .extracting(TopicReader.Received::value)
          .containsExactlyInAnyOrder("first", "second");
    }
  }

  /**
   * A topic the broker allows but fails to create (here its name collides with an existing one, '.'
   * and '_' being the same to Kafka's metrics; a replication factor above the live brokers fails
   * alike): its first send waits out max-block once per round, not once per message, and its
   * messages wait without using up attempts while the other topics flow.
   */
  @Test
  void aTopicTheBrokerFailsToCreateKeepsTheRoundWithinItsSendTimeout() {
    KafkaBroker kafka = TestServers.autoCreatingKafka();
    String suffix = UUID.randomUUID().toString();
    kafka.createTopic("collides_" + suffix, 1);
    String healthyTopic = "healthy-" + suffix;
    kafka.createTopic(healthyTopic, 1);
    RelayFixture.Writer plain = fixture.writer(false);
    RelayFixture.Writer refused =
        new RelayFixture.Writer(plain.outbox(), plain.transaction(), "collides." + suffix);
    RelayFixture.Writer healthy =
        new RelayFixture.Writer(plain.outbox(), plain.transaction(), healthyTopic);
    List<Long> waiting = List.of(refused.send("r-1", "one"), refused.send("r-2", "two"));
    for (int i = 0; i < 20; i++) {
      healthy.send("h-" + (i % 4), "h" + i);
    }
    Duration sendTimeout = Duration.ofSeconds(2);
    fixture.startRelay(
        p ->
            p.kafkaBootstrapServers(kafka.bootstrapServers())
                .workers(1)
                .sendTimeout(sendTimeout)
                .maxBlock(Duration.ofMillis(500)));

    await()
        .atMost(BOUND)
        .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 20);
    String tried = "SELECT COUNT(*) FROM t_msg WHERE id IN (?, ?) AND last_error IS NOT NULL";
    await().atMost(BOUND).until(() -> fixture.count(tried, waiting.get(0), waiting.get(1)) == 2);
    for (long id : waiting) {
      assertThat(fixture.status(id)).as("message %d", id).isZero();
      assertThat(fixture.count("SELECT attempts FROM t_msg WHERE id = ?", id)).isZero();
      assertThat(
              fixture.jdbc.queryForObject(
                  "SELECT last_error FROM t_msg WHERE id = ?", String.class, id))
          .contains("not present in metadata");
    }
    double longestRound =
        fixture
            .meters
            .get(MicrometerPublishListener.ROUND_DURATION)
            .tag("path", "relay")
            .timer()
            .max(TimeUnit.MILLISECONDS);
    assertThat(longestRound).isLessThanOrEqualTo(sendTimeout.toMillis() + 500);
  }
}
