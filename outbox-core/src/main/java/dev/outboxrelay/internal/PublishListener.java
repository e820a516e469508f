package dev.outboxrelay.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * What the fast path and the relay report of their publish rounds, called on the publishing thread
 * after the round's transaction ended (published rows are committed as SENT or deleted). Every
 * method does nothing by default; an implementation must be quick and must not throw.
 */
public interface PublishListener {
  /** Listens to nothing. */
  PublishListener NONE = new PublishListener() {};

  /**
   * Kafka acknowledged {@code row} and the round that published it committed.
   *
   * @param ackedAt when the round committed, this host's clock
   */
  default void published(PublishPath path, OutboxRow row, Instant ackedAt) {}

  /** Kafka did not acknowledge {@code row}; the relay retries it or makes it DEAD. */
  default void failed(PublishPath path, OutboxRow row, Exception error) {}

  /** The relay gave up on {@code row}: it is DEAD, {@code error} says why. */
  default void dead(OutboxRow row, String error) {}

  /**
   * A round failed as a whole ({@code error}: the database unreachable, Kafka unreachable, ...):
   * nothing of it was recorded, its rows stay PENDING and are published by a later round.
   */
  default void roundFailed(PublishPath path, Exception error) {}

  /**
   * A round that claimed rows ended: {@code claimed} rows (1 or more), {@code took} from the claim
   * to the end of its transaction. Polls that found nothing are not reported.
   */
  default void round(PublishPath path, int claimed, Duration took) {}
}
