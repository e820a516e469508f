package dev.outboxrelay.relay;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;

/** Decides what a failed publish becomes: another attempt after a backoff, or DEAD. */
final class FailurePolicy {
  private final int maxAttempts;
  private final long initialMillis;
  private final long maxMillis;
  private final double multiplier;
  private final double jitter;

  FailurePolicy(RelaySettings settings) {
    this.maxAttempts = settings.maxAttempts();
    this.initialMillis = settings.backoffInitial().toMillis();
    this.maxMillis = settings.backoffMax().toMillis();
    this.multiplier = settings.backoffMultiplier();
    this.jitter = settings.backoffJitter();
  }

  /** Errors that no retry can cure: the message itself (or its topic, or our rights) is wrong. */
  static boolean isPermanent(Throwable error) {
    return error instanceof RecordTooLargeException
        || error instanceof RecordBatchTooLargeException
        || error instanceof InvalidTopicException
        || error instanceof AuthorizationException
        || error instanceof InvalidRecordException
        || error instanceof SerializationException;
  }

  /** Whether a row that has failed {@code attemptsSoFar} times and now failed again is DEAD. */
  boolean isDead(Throwable error, int attemptsSoFar) {
    return isPermanent(error) || attemptsSoFar + 1 >= maxAttempts;
  }

  /**
   * The wait before attempt {@code attempt + 1}: exponential, capped, with jitter that spreads
   * retries of rows that failed together.
   */
  Duration backoff(int attempt) {
    double exponential = initialMillis * Math.pow(multiplier, Math.max(0, attempt - 1));
    double capped = Math.min(maxMillis, exponential);
    double factor = 1.0 - jitter * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis(Math.max(1, Math.round(capped * factor)));
  }

  /** A short, stable name of an error for metrics (bounded cardinality: class names). */
  static String reason(Throwable error) {
    return error == null ? "unknown" : error.getClass().getSimpleName();
  }
}
