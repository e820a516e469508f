package dev.outboxrelay.relay;

import dev.outboxrelay.internal.LeftForNextRoundException;
import dev.outboxrelay.internal.PermanentFailures;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Decides what a failed publish becomes (docs/design.md, "Guarantees", 6). A failure of the message
 * itself (too large, invalid, cannot be serialized, its topic name is illegal) makes it DEAD at
 * once. A failure of its environment (missing rights, a missing topic, brokers or the network
 * unavailable, no time left in the round, an earlier row of its key not acknowledged) defers it
 * without counting an attempt: an operator usually fixes it within minutes, and the message must
 * still be there then. Anything else is retried after a backoff and counts against {@code
 * max-attempts}.
 */
final class FailurePolicy {
  /** What becomes of a failed row. */
  enum Decision {
    /** Given up: DEAD. */
    DEAD,
    /** Another attempt after the backoff; counts an attempt. */
    RETRY,
    /** Another attempt after the topic's backoff; counts no attempt. */
    DEFER
  }

  private final int maxAttempts;
  private final RelaySettings.Backoff backoff;

  FailurePolicy(int maxAttempts, RelaySettings.Backoff backoff) {
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
  }

  /** Errors of the message's environment, which an operator or time fixes. */
  static boolean isEnvironment(Throwable error) {
    return error instanceof AuthorizationException
        || error instanceof RetriableException // unknown topic, timeouts, network, replicas
        || error instanceof java.util.concurrent.TimeoutException // no ack within send-timeout
        || error instanceof LeftForNextRoundException;
  }

  /** What becomes of a row that has failed {@code attemptsSoFar} times and now failed again. */
  Decision decide(Throwable error, int attemptsSoFar) {
    if (PermanentFailures.isPermanent(error)) {
      return Decision.DEAD;
    }
    if (isEnvironment(error)) {
      return Decision.DEFER;
    }
    return attemptsSoFar + 1 >= maxAttempts ? Decision.DEAD : Decision.RETRY;
  }

  /** The wait after failed attempt {@code attempt} (1 or more), with random jitter. */
  Duration backoff(int attempt) {
    return backoff.delay(attempt, ThreadLocalRandom.current().nextDouble());
  }
}
