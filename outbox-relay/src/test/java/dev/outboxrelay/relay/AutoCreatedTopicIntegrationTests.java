package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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
}
