package dev.outboxrelay.relay;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The relay's periodic chores (gauges, purge, checks) outlive a failure of one run. */
class PeriodicTaskTests {

  @Test
  void aTaskThatThrowsRunsAgainNextPeriod() {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try {
      AtomicInteger runs = new AtomicInteger();
      OutboxRelay.every(
          executor,
          "the test chore",
          () -> {
            if (runs.incrementAndGet() <= 2) {
              throw new IllegalStateException("database unreachable");
            }
          },
          0,
          Duration.ofMillis(10));

      // a bare scheduleWithFixedDelay stops for good after the first exception
      await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 4);
    } finally {
      executor.shutdownNow();
    }
  }
}
