package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Recovery from a Kafka outage on the real servers: once the broker is back, what was written
 * during the outage goes out within about a poll interval, whatever backoff the outage built up.
 */
class OutageRecoveryIntegrationTests {
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * A poll interval, plus the probe noticing the broker (it asks every second), the producer's
   * reconnect (its backoff is at most 1 s) and the round itself.
   */
  private static final Duration AFTER_THE_BROKER_IS_BACK = POLL.plusSeconds(3);

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
}
