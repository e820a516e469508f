package dev.outboxrelay.relay;

import dev.outboxrelay.internal.BatchPublisher;
import dev.outboxrelay.internal.InFlightRows;
import dev.outboxrelay.internal.OrderingGuard;
import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.internal.PublishPath;
import dev.outboxrelay.internal.PublishRound;
import dev.outboxrelay.internal.RoundClaims;
import dev.outboxrelay.internal.RoundOutcomes;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The relay's {@link PublishRound} over a worker's lanes: claims each lane's oldest due rows (the
 * batch size shared among them, all within the batch's byte budget) in one statement, so a worker
 * waits for acks and commits once per round however many lanes it has; the ordering guard asks by
 * lane; failures are retried after a backoff or made DEAD ({@link RelayRecorder}).
 */
final class LaneRound {
  private final RoundClaims claims;
  private final PublishRound round;
  private final InFlightRows inFlight;
  private final int batchSize;
  private final long batchBytes;

  LaneRound(
      RoundClaims claims,
      RoundOutcomes outcomes,
      TransactionTemplate transaction,
      Producer<byte[], byte[]> producer,
      PublishListener listener,
      TopicBackoff topics,
      BatchPublisher.TopicCheck topicCheck,
      Duration inFlightHold,
      RelaySettings settings) {
    this.claims = claims;
    this.inFlight =
        new InFlightRows(
            PublishPath.RELAY,
            outcomes,
            transaction,
            inFlightHold,
            settings.onAck() == RelaySettings.OnAck.DELETE
                ? outcomes::deleteLateSent
                : outcomes::markLateSent,
            listener);
    this.batchSize = settings.batchSize();
    this.batchBytes = settings.batchBytes();
    this.round =
        new PublishRound(
            PublishPath.RELAY,
            transaction,
            OrderingGuard.byLane(claims),
            new BatchPublisher(producer, settings.sendTimeout(), settings.maxBlock(), topicCheck),
            claims::claimIds,
            new RelayRecorder(outcomes, producer, topics, settings),
            inFlight,
            listener);
  }

  /**
   * Records the acknowledgements that came after their round stopped waiting ({@link
   * InFlightRows}).
   *
   * @throws org.springframework.dao.DataAccessException when the database fails
   */
  void recordLateAcks() {
    inFlight.recordLateAcks();
  }

  /**
   * The outcome of a round: how many rows it claimed, whether nothing could be sent (no outcome
   * recorded, no attempt counted: Kafka may be down; only rows still in flight were put off), and
   * whether its lanes may have more due rows now (some lane's share came back full, or the byte
   * budget left rows out).
   */
  record Result(int claimed, boolean nothingSent, boolean mayHaveMore) {
    static final Result EMPTY = new Result(0, false, false);
  }

  /**
   * Runs a round over {@code lanes}. When no row could be sent, the round is rolled back unless
   * {@code countAttemptsIfNothingSent}: a Kafka outage is not the messages' fault; the caller
   * checks Kafka outside the transaction and runs again, counting, if it is up.
   *
   * @param lanes the lanes, 1 or more, whose lease the caller holds
   * @throws org.springframework.dao.DataAccessException when the database fails the round
   */
  Result run(List<Integer> lanes, boolean countAttemptsIfNothingSent) {
    boolean[] full = new boolean[1];
    PublishRound.Result result =
        round.run(
            () -> {
              RoundClaims.LaneClaim claim = claims.claimLanes(lanes, batchSize, batchBytes);
              full[0] = claim.full();
              return claim.rows();
            },
            !countAttemptsIfNothingSent);
    if (result.claimed() == 0) {
      return Result.EMPTY;
    }
    return new Result(result.claimed(), result.rolledBack(), full[0]);
  }
}
