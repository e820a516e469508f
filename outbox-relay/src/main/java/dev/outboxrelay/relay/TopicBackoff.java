package dev.outboxrelay.relay;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics whose environment fails (missing, not authorized, unavailable), with the number of
 * consecutive rounds in which they failed: their rows are put off by the backoff of that count, so
 * a topic that stays broken is tried less and less often and holds up no other topic, and no
 * message burns an attempt on it. Logs a topic once when it starts failing, instead of a line per
 * row and round; {@link RelayRecorder} logs its recovery.
 */
final class TopicBackoff {
  private static final Logger log = LoggerFactory.getLogger(TopicBackoff.class);

  private final RelaySettings.Backoff backoff;
  private final Map<String, Integer> failingRounds = new ConcurrentHashMap<>();

  TopicBackoff(RelaySettings.Backoff backoff) {
    this.backoff = backoff;
  }

  /**
   * {@code topic} failed in a round because of {@code error}: returns how long its rows are put
   * off. Call once per topic and round.
   */
  Duration failed(String topic, Throwable error) {
    int rounds = failingRounds.merge(topic, 1, Integer::sum);
    Duration delay = backoff.delay(rounds, ThreadLocalRandom.current().nextDouble());
    if (rounds == 1) {
      log.warn(
          "topic {} is failing ({}): its messages wait, without using up attempts, until it"
              + " recovers; retried with backoff",
          topic,
          error.toString());
    }
    return delay;
  }

  /**
   * A message of {@code topic} was acknowledged: it works again. Returns the number of failing
   * rounds this ends, 0 when the topic was not failing.
   */
  int succeeded(String topic) {
    Integer rounds = failingRounds.remove(topic);
    return rounds == null ? 0 : rounds;
  }

  /** How many topics are failing now. */
  int failing() {
    return failingRounds.size();
  }
}
