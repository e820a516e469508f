package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.Lanes;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Poison isolated (docs/design.md, "Guarantees", 6): an unsendable message becomes DEAD; every
 * other key flows.
 */
class PoisonMessageIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(60);
  @RegisterExtension final RelayFixture fixture = new RelayFixture(2);

  @Test
  void unsendableMessagesBecomeDeadWithTheirErrorWhileOtherKeysAndLaterMessagesFlow() {
    RelayFixture.Writer writer = fixture.writer(false);
    String deadLetters = fixture.topic + "-dead";
    TestServers.kafka().createTopic(deadLetters, 1);
    long tooLarge = writer.send("poison", "x".repeat(20_000));
    long afterPoisonSameKey = writer.send("poison", "after the poison");
    // a row written by an older writer with a topic Kafka refuses, in the same lane as "poison"
    fixture.jdbc.update(
        """
        INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status,
                           next_attempt_at, created_at)
        VALUES (9, 'bad-topic', 'no such topic!', 'bad', x'00', ?, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))""",
        Lanes.laneOf("poison", 16));
    for (int i = 0; i < 50; i++) {
      writer.send("healthy-" + (i % 5), "m" + i);
    }
    try (TopicReader reader =
            TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic);
        TopicReader deadReader =
            TopicReader.fromNow(TestServers.kafka().bootstrapServers(), deadLetters)) {
      fixture.startRelay(
          p -> {
            p.kafkaProperties(Map.of("max.request.size", "10000"));
            p.deadLetterTopic(deadLetters);
          });

      List<Received> received = reader.awaitUntil(all -> all.size() >= 51, DELIVERY);
      assertThat(received)
          .extracting(Received::value)
          .contains("after the poison")
          .doesNotContain("x".repeat(20_000));
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 3") == 2);
      Map<String, Object> poison =
          fixture.jdbc.queryForMap(
              "SELECT status, attempts, last_error FROM t_msg WHERE id = ?", tooLarge);
      assertThat(poison.get("status")).isEqualTo(3);
      assertThat(poison.get("attempts")).isEqualTo(1);
      assertThat((String) poison.get("last_error")).contains("RecordTooLargeException");
      assertThat(
              fixture.jdbc.queryForObject(
                  "SELECT last_error FROM t_msg WHERE ref_id = 'bad-topic'", String.class))
          .contains("InvalidTopicException");
      assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1")).isEqualTo(51);
      assertThat(fixture.status(afterPoisonSameKey)).isEqualTo(1);
      // the dead-letter topic gets what fits in a record: the refused topic's message
      List<Received> dead = deadReader.awaitCount(1, DELIVERY);
      assertThat(dead.get(0).headers())
          .containsKey("outbox-error")
          .containsEntry("outbox-ref-id", "bad-topic");
      assertThat(fixture.meters.get(MicrometerPublishListener.DEAD).counter().count())
          .isEqualTo(2.0);
    }
  }

  /**
   * Issue 8, kind 2: a row whose stored columns do not decode used to fail the claim of its
   * worker's every round (0 of 50 other rows sent, never DEAD). It is DEAD alone now, with its
   * reason and a metric; its round goes on.
   */
  @Test
  void rowsWhoseHeadersDoNotDecodeAreDeadAloneAndTheirRoundsGoOn() {
    RelayFixture.Writer writer = fixture.writer(false);
    for (int i = 0; i < 50; i++) {
      writer.send("healthy-" + (i % 10), "m" + i);
    }
    // written by hand or by another tool, ahead of later messages of their key: valid JSON that is
    // not an object of strings (a number value, an array)
    String[] badHeaders = {"{\"a\":1}", "[\"x\"]"};
    for (int i = 0; i < badHeaders.length; i++) {
      fixture.jdbc.update(
          """
          INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, headers, lane, status,
                             next_attempt_at, created_at)
          VALUES (9, ?, ?, 'healthy-0', x'00', ?, ?, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))""",
          "bad-headers-" + i,
          fixture.topic,
          badHeaders[i],
          Lanes.laneOf("healthy-0", 16));
    }
    for (int i = 0; i < 20; i++) {
      writer.send("healthy-" + (i % 10), "after " + i);
    }
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(p -> p.workers(1));

      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1") == 70);
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 3") == 2);
      assertThat(reader.awaitCount(70, DELIVERY)).hasSize(70);
      assertThat(
              fixture.jdbc.queryForList(
                  "SELECT last_error FROM t_msg WHERE ref_id LIKE 'bad-headers-%'", String.class))
          .hasSize(2)
          .allSatisfy(
              error ->
                  assertThat(error)
                      .contains("UnpublishableMessageException")
                      .contains("t_msg.headers is not a JSON object of strings"));
      assertThat(fixture.meters.get(MicrometerPublishListener.DEAD).counter().count())
          .isEqualTo(2.0);
      assertThat(
              fixture
                  .meters
                  .get(MicrometerPublishListener.FAILURES)
                  .tag("reason", "UnpublishableMessageException")
                  .counter()
                  .count())
          .isEqualTo(2.0);
    }
  }
}
