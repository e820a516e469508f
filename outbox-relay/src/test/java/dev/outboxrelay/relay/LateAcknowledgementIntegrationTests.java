package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A publisher that stopped waiting for Kafka's acknowledgement while its producer still held the
 * records (docs/design.md, "Records still in flight"): the broker frozen (SIGSTOP) for longer than
 * the wait, then resumed, answers late. Nothing newer of the key may land before them, and a late
 * acknowledgement is recorded instead of being published again.
 */
class LateAcknowledgementIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);

  @RegisterExtension final RelayFixture fixture = new RelayFixture(3);

  @Test
  void aLateAckOfTheFastPathIsRecordedAndTheKeysNewerMessagesFollowIt() {
    OutboxRelay relay = fixture.startRelay(p -> {});
    RelayFixture.Writer service =
        fixture.fastPathWriter(s -> s.fastPathAckTimeout(Duration.ofSeconds(1)));
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      long warm = service.send("warm-up", "warm-up"); // the producer knows the topic's leaders
      reader.awaitUntil(all -> all.size() == 1, DELIVERY);

      TestServers.kafka().pause();
      List<Long> ids = new ArrayList<>(List.of(warm));
      ids.add(service.send("k", "v1"));
      // the fast path stops waiting after 1 s; its producer still holds v1
      await()
          .during(Duration.ofMillis(1_500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> fixture.status(ids.get(1)) == MessageStatus.PENDING.code());
      for (int i = 2; i <= 5; i++) {
        ids.add(service.send("k", "v" + i));
      }
      // past the relay delay (1 s): the relay may claim what is due
      await()
          .during(Duration.ofMillis(1_200))
          .atMost(Duration.ofSeconds(5))
          .until(() -> fixture.status(ids.get(5)) == MessageStatus.PENDING.code());
      TestServers.kafka().resume();

      await()
          .atMost(DELIVERY)
          .until(
              () -> ids.stream().allMatch(id -> fixture.status(id) == MessageStatus.SENT.code()));
      relay.close(); // its producer sends nothing more
      List<String> k =
          reader.awaitEnd(DELIVERY).stream()
              .filter(r -> "k".equals(r.key()))
              .map(Received::value)
              .toList();

      assertThat(k).containsExactly("v1", "v2", "v3", "v4", "v5");
      // v1 went out once, through the fast path: its late acknowledgement was recorded
      assertThat(
              fixture
                  .meters
                  .get(MicrometerPublishListener.PUBLISHED)
                  .tag("path", "relay")
                  .tag("topic", fixture.topic)
                  .counter()
                  .count())
          .isEqualTo(4.0);
    }
  }

  @Test
  void aRowWhoseSendARelayRoundGaveUpOnIsNotDueBeforeItsProducerHasSurelyGivenUp() {
    RelayFixture.Writer service = fixture.writer(false);
    OutboxRelay first = fixture.startRelay(p -> p.instanceId("first"));
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      service.send("warm-up", "warm-up");
      reader.awaitUntil(all -> all.size() == 1, DELIVERY);

      TestServers.kafka().pause();
      // one transaction, so that one round claims and sends all of them
      List<Long> ids =
          service
              .transaction()
              .execute(
                  status -> {
                    List<Long> sent = new ArrayList<>();
                    for (int i = 1; i <= 5; i++) {
                      sent.add(service.outbox().send(service.message("k", "v" + i)));
                    }
                    return sent;
                  });
      // The round (send-timeout 2 s) gives up on them while its producer holds them: they are
      // put off until its delivery timeout (2 s) and request timeout (1.99 s) have passed since
      // the send (after the rows were written), so no other publisher can claim them while that
      // producer may still deliver them.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  fixture.count(
                          "SELECT COUNT(*) FROM t_msg WHERE msg_key = 'k' AND status = 0"
                              + " AND next_attempt_at >= DATE_ADD(created_at,"
                              + " INTERVAL 3990000 MICROSECOND)")
                      == 5);
      first.close();
      fixture.startRelay(p -> p.instanceId("second"));
      TestServers.kafka().resume();

      await()
          .atMost(DELIVERY)
          .until(
              () -> ids.stream().allMatch(id -> fixture.status(id) == MessageStatus.SENT.code()));
      List<String> k =
          reader.awaitEnd(DELIVERY).stream()
              .filter(r -> "k".equals(r.key()))
              .map(Received::value)
              .toList();
      // A copy the frozen broker appended after the producer gave up may repeat the run, in order.
      assertThat(k).hasSizeGreaterThanOrEqualTo(5).endsWith("v5");
      for (int i = 0; i < k.size(); i++) {
        assertThat(k.get(i)).as("record %d of %s", i, k).isEqualTo("v" + (i % 5 + 1));
      }
    }
  }
}
