package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Recovery from a Kafka outage on the real servers: once the broker is back, what was written
 * during the outage goes out within about a poll interval, whatever backoff the outage built up.
 */
class OutageRecoveryIntegrationTests {
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * A poll interval, plus the probe noticing the broker (it asks every 250 ms while none answers),
   * the producer's reconnect (its backoff is at most 250 ms) and the round itself, with room for a
   * loaded machine (0.4 and 0.9 s from the broker's return to the worker's first good round in two
   * runs here; the clients' metadata retries still back off up to Kafka's 1 s). It was 3 s more
   * than the poll interval while the probe asked every second and both clients' reconnect backoff
   * grew to 1 s.
   */
  private static final Duration AFTER_THE_BROKER_IS_BACK = POLL.plusMillis(2_500);

  private static final int WRITTEN_DURING_OUTAGE = 200;

  @RegisterExtension final RelayFixture fixture = new RelayFixture(3);

  private double roundsFailedForKafka() {
    Counter counter =
        fixture
            .meters
            .find(MicrometerPublishListener.ROUND_FAILURES)
            .tag("reason", LaneWorker.KafkaUnavailable.class.getSimpleName())
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private int sent() {
    return fixture.count("SELECT COUNT(*) FROM t_msg WHERE status = 1");
  }

  @Test
  void theBacklogOfAnOutageGoesOutWithinAPollIntervalOfTheBrokersReturn() {
    RelayFixture.Writer writer = fixture.writer(false);
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      // one worker, the default backoff: each round that finds Kafka unreachable doubles the
      // worker's wait, from 2 poll intervals + 100 ms (1.1 s) up to 10 s
      fixture.startRelay(
          p ->
              p.workers(1)
                  .pollInterval(POLL)
                  .sendTimeout(Duration.ofSeconds(1))
                  .maxBlock(Duration.ofMillis(500))
                  .backoff(RelaySettings.Backoff.DEFAULT));
      writer.send("key-0", "before");
      reader.awaitCount(1, Duration.ofSeconds(30));

      TestServers.kafka().stop();
      try {
        for (int i = 0; i < WRITTEN_DURING_OUTAGE; i++) {
          writer.send("key-" + (i % 13), "during-" + i);
        }
        // after the fourth failed round the worker waits 8.8 s: far longer than the bound below
        await().atMost(Duration.ofSeconds(90)).until(() -> roundsFailedForKafka() >= 4);
      } finally {
        TestServers.kafka().start();
      }
      long back = System.nanoTime();

      await().atMost(AFTER_THE_BROKER_IS_BACK).until(() -> sent() == 1 + WRITTEN_DURING_OUTAGE);
      Duration took = Duration.ofNanos(System.nanoTime() - back);
      reader.awaitCount(1 + WRITTEN_DURING_OUTAGE, Duration.ofSeconds(30));
      assertThat(took).isLessThanOrEqualTo(AFTER_THE_BROKER_IS_BACK);
      // the outage was no message's fault
      assertThat(fixture.count("SELECT COALESCE(MAX(attempts), 0) FROM t_msg WHERE status = 1"))
          .isLessThanOrEqualTo(1);
    }
  }

  /**
   * An outage with nothing to send is still said, once, and its end too: readiness alone would show
   * it, without the reason.
   */
  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void anOutageWithNothingPendingIsLoggedOnceWhenItBeginsAndWhenItEnds(CapturedOutput output) {
    fixture.startRelay(p -> p.workers(1).pollInterval(POLL));
    String bootstrap = TestServers.kafka().bootstrapServers();

    TestServers.kafka().stop();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> output.getOut().contains("Kafka does not answer at " + bootstrap));
    } finally {
      TestServers.kafka().start(); // seconds, while the probe asks every 250 ms and fails
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> output.getOut().contains("Kafka answers again at " + bootstrap));
    assertThat(output.getOut().split("Kafka does not answer at ", -1)).hasSize(2);
    assertThat(roundsFailedForKafka()).isZero(); // nothing was pending: no round failed
  }

  /**
   * Rows whose records were in flight when the broker went away are held until their producer has
   * surely given up: {@code delivery.timeout.ms} + {@code request.timeout.ms} counted from the send
   * (2 send-timeouts for the relay), not from the end of the round's wait, one send-timeout later.
   * The broker is back before the hold ends: they go out when it ends, one send-timeout after they
   * were put off, where the hold counted from the wait's end kept them two.
   */
  @Test
  void rowsInFlightWhenTheBrokerWentAwayAreHeldOnlyUntilTheirProducerHasGivenUp() {
    Duration sendTimeout = Duration.ofSeconds(12);
    RelayFixture.Writer writer = fixture.writer(false);
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startRelay(
          p ->
              p.workers(1)
                  .pollInterval(Duration.ofMillis(100))
                  .sendTimeout(sendTimeout)
                  .leaseDuration(sendTimeout.multipliedBy(2))
                  .maxBlock(Duration.ofSeconds(1)));
      writer.send("key-0", "before");
      reader.awaitCount(1, Duration.ofSeconds(30));

      long heldAt;
      // A stalled broker takes the records (the producer knows the partition's leader) and
      // answers nothing: when the round's wait ends they are in flight. Then it goes away.
      TestServers.kafka().pause();
      try {
        // one transaction, one key: one round claims them all (the ordering guard would keep
        // rows committed later behind the first ones)
        writer
            .transaction()
            .executeWithoutResult(
                status -> {
                  for (int i = 0; i < IN_FLIGHT; i++) {
                    writer.outbox().send(writer.message("key-held", "in-flight-" + i));
                  }
                });
        await()
            .atMost(sendTimeout.multipliedBy(3))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> held() == IN_FLIGHT);
        heldAt = System.nanoTime();
        TestServers.kafka().stop();
      } finally {
        TestServers.kafka().start();
      }

      await().atMost(sendTimeout.plus(HOLD_END_TO_PUBLISHED)).until(() -> sent() == 1 + IN_FLIGHT);
      Duration took = Duration.ofNanos(System.nanoTime() - heldAt);
      assertThat(took).isLessThanOrEqualTo(sendTimeout.plus(HOLD_END_TO_PUBLISHED));
      // each of them on the topic (the stalled broker may have appended the first copies when it
      // was stopped: the hold is what keeps the second ones after them)
      assertThat(
              reader
                  .awaitUntil(
                      all ->
                          all.stream().filter(r -> r.key().equals("key-held")).count() >= IN_FLIGHT,
                      Duration.ofSeconds(30))
                  .stream()
                  .filter(record -> record.key().equals("key-held"))
                  .map(TopicReader.Received::value)
                  .distinct())
          .containsExactlyElementsOf(
              IntStream.range(0, IN_FLIGHT).mapToObj(i -> "in-flight-" + i).toList());
    }
  }

  // at most batch-size / lanes (200 / 16): one round claims them all
  private static final int IN_FLIGHT = 10;

  /**
   * From a hold's end to its rows published: a poll interval, the probe and the producer's
   * reconnect if the broker is only just back, the round; far less than the send-timeout the longer
   * hold added.
   */
  private static final Duration HOLD_END_TO_PUBLISHED = Duration.ofSeconds(4);

  /** Rows put off because their records were still in flight. */
  private int held() {
    return fixture.count(
        "SELECT COUNT(*) FROM t_msg WHERE status = 0 AND last_error LIKE '%may still deliver%'");
  }
}
