package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.internal.KafkaRecords;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, kind 3, on the real servers with every limit at its default: what {@code send} accepts,
 * the relay publishes; what it could not publish, {@code send} refuses, writing nothing. Before, a
 * payload of exactly {@code outbox.max-payload-bytes} (1 MiB) was accepted and then DEAD on its
 * first attempt (RecordTooLargeException).
 */
class SizeLimitIntegrationTests {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final int ONE_MIB = 1_048_576;
  @RegisterExtension final RelayFixture fixture = new RelayFixture(1);

  private OutboxMessage message(String ref, byte[] payload, Map<String, String> headers) {
    return OutboxMessage.builder(fixture.topic)
        .key("big")
        .payload(payload)
        .headers(headers)
        .reference(7, ref)
        .build();
  }

  @Test
  void whatSendAcceptsTheRelayPublishesAndWhatItCouldNotSendRefuses() {
    RelayFixture.Writer writer = fixture.writer(false);

    // the input that used to go DEAD: the largest payload outbox.max-payload-bytes allows
    assertThatThrownBy(
            () ->
                writer
                    .transaction()
                    .executeWithoutResult(
                        s ->
                            writer.outbox().send(message("at-limit", new byte[ONE_MIB], Map.of()))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bytes as a Kafka record")
        .hasMessageContaining("at most 1048576 are allowed");
    // the same kind: a payload well within its own limit, made too large by its headers
    assertThatThrownBy(
            () ->
                writer
                    .outbox()
                    .send(
                        message(
                            "big-headers",
                            new byte[1_000_000],
                            Map.of("trace", "t".repeat(60_000)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bytes as a Kafka record");
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg")).isZero();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order")).isZero();

    // the largest payload that is accepted goes out, not DEAD
    int largest = largestAcceptedPayload("largest");
    long id =
        writer
            .transaction()
            .execute(s -> writer.outbox().send(message("largest", new byte[largest], Map.of())));
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(p -> {});
      await().atMost(BOUND).until(() -> fixture.status(id) == 1);
      assertThat(reader.awaitCount(1, BOUND).get(0).headers())
          .containsEntry("outbox-ref-id", "largest");
    }
    assertThat(largest).isGreaterThan(ONE_MIB - 2_000);
  }

  /** The largest payload whose record fits in Kafka's default max.request.size. */
  private static int largestAcceptedPayload(String ref) {
    int low = 0;
    int high = ONE_MIB;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (KafkaRecords.sizeUpperBound("big", new byte[mid], Map.of(), ref) <= ONE_MIB) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }
}
