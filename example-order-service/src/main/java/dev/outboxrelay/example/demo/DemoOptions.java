package dev.outboxrelay.example.demo;

import dev.outboxrelay.OutboxSettings;
import java.time.Duration;

/**
 * How the demo runs (see {@link OrderDemo} for the command line).
 *
 * @param orders orders per stack, 10 to 1,000,000
 * @param clients concurrent HTTP clients per stack, at least 1
 * @param rate orders per second per stack, more than 0
 * @param outage how long Kafka is down, starting at 30 % of the load
 * @param compare whether to run approaches 1 and 2 beside the outbox
 * @param mode where the outbox stack writes its messages: {@code same-database} (approach 3, the
 *     default) or {@code message-store} (approach 4: a message database of its own, and the relays'
 *     check-back on the order service's endpoint)
 * @param seed the order script's seed
 * @param settleTimeout longest wait, after the load, for the last events to be credited
 * @param progress whether to show a progress bar
 */
record DemoOptions(
    int orders,
    int clients,
    double rate,
    Duration outage,
    boolean compare,
    OutboxSettings.Mode mode,
    long seed,
    Duration settleTimeout,
    boolean progress) {

  DemoOptions {
    if (orders < 10 || orders > 1_000_000) {
      throw new IllegalArgumentException("--orders must be 10 to 1000000, was " + orders);
    }
    if (clients < 1 || clients > 64) {
      throw new IllegalArgumentException("--clients must be 1 to 64, was " + clients);
    }
    if (!(rate > 0 && rate <= 2000)) {
      throw new IllegalArgumentException(
          "--rate must be more than 0 and at most 2000, was " + rate);
    }
    if (mode == null) {
      throw new IllegalArgumentException("--mode must be same-database or message-store");
    }
    if (outage.isNegative() || outage.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException(
          "--outage-seconds must be 0 to 300, was " + outage.toSeconds());
    }
  }

  /**
   * The outbox mode of {@code --mode}, spelled as {@code outbox.mode} is: {@code same-database} or
   * {@code message-store}.
   *
   * @throws IllegalArgumentException naming the option and the values it takes
   */
  static OutboxSettings.Mode parseMode(String value) {
    if ("same-database".equals(value)) {
      return OutboxSettings.Mode.SAME_DATABASE;
    }
    if ("message-store".equals(value)) {
      return OutboxSettings.Mode.MESSAGE_STORE;
    }
    throw new IllegalArgumentException(
        "--mode must be same-database or message-store, was '" + value + "'");
  }

  /** Whether the outbox stack runs in message-store mode. */
  boolean messageStore() {
    return mode == OutboxSettings.Mode.MESSAGE_STORE;
  }

  /** How long placing the orders takes at {@link #rate}. */
  Duration loadDuration() {
    return Duration.ofNanos((long) (orders / rate * 1e9));
  }
}
