package dev.outboxrelay.relay;

import dev.outboxrelay.internal.UnpublishableMessageException;
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
  private final RelaySettings.Backoff backoff;

  FailurePolicy(int maxAttempts, RelaySettings.Backoff backoff) {
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
  }

  /** Errors that no retry can cure: the message itself (or its topic, or our rights) is wrong. */
  static boolean isPermanent(Throwable error) {
    return error instanceof UnpublishableMessageException
        || error instanceof RecordTooLargeException
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

  /** The wait after failed attempt {@code attempt} (1 or more), with random jitter. */
  Duration backoff(int attempt) {
    return backoff.delay(attempt, ThreadLocalRandom.current().nextDouble());
  }
}
