package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.testsupport.TestServers;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Guarantee 2's broker precondition, read from the real broker: a topic with Kafka's default {@code
 * min.insync.replicas=1} (the embedded broker's, replication factor 1) loses what it acknowledged
 * with its leader, and the relay says so once it has seen the topic; a topic whose own
 * configuration asks for 2 in-sync replicas is not at risk (its writes wait instead).
 */
class TopicDurabilityIntegrationTests {
  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  private double risk(String topic) {
    Gauge gauge = fixture.meters.find(TopicDurability.RISK).tag("topic", topic).gauge();
    return gauge == null ? -1 : gauge.value();
  }

  @Test
  void aTopicThatLosesAcknowledgedMessagesWithItsLeaderIsGaugedAndOneThatKeepsThemIsNot()
      throws Exception {
    String guarded = "relay-guarded-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestServers.kafka().bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(guarded, 1, (short) 1).configs(Map.of("min.insync.replicas", "2"))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    RelayFixture.Writer writer = fixture.writer(false);
    writer.send("k", "on a topic with the broker's defaults");
    new RelayFixture.Writer(writer.outbox(), writer.transaction(), guarded)
        .send("k", "on a topic that asks for two in-sync replicas");

    fixture.startRelay(settings -> {});

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(risk(fixture.topic)).isEqualTo(1);
              assertThat(risk(guarded)).isZero();
            });
  }
}
