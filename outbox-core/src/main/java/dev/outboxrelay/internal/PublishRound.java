package dev.outboxrelay.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One publish round, the algorithm the fast path and the relay share (docs/design.md, "The publish
 * round"): in one transaction, claim rows ({@code FOR UPDATE SKIP LOCKED}), keep those the {@link
 * OrderingGuard} releases, publish them and wait for Kafka's acks ({@link BatchPublisher}), record
 * the outcome, commit. Row locks are held for one round trip to Kafka at most, bounded by the
 * publisher's ack timeout; nothing is recorded as sent that Kafka did not acknowledge.
 *
 * <p>When the database rolls the round back after the acks (InnoDB picked it as a deadlock victim),
 * publishing the batch again would duplicate all of it: the outcome is recorded again instead, in a
 * new transaction, for the rows that can be claimed again (still PENDING, locked by no one).
 *
 * <p>What differs between the two publishers is given: how rows are claimed (by the caller of
 * {@link #run}), claimed again after such a rollback, and recorded, and whether a round in which
 * nothing was sent rolls back.
 */
public final class PublishRound {
  private static final Logger log = LoggerFactory.getLogger(PublishRound.class);

  private final PublishPath path;
  private final TransactionTemplate transaction;
  private final OrderingGuard guard;
  private final BatchPublisher publisher;
  private final Function<Collection<Long>, List<OutboxRow>> claimAgain;
  private final Recorder recorder;
  private final InFlightRows inFlight;
  private final PublishListener listener;

  /**
   * @param transaction the round's transaction (READ COMMITTED, so business INSERTs never wait for
   *     gap locks)
   * @param claimAgain locks and returns those of the given ids that are still PENDING and not
   *     locked by others; used only after a rollback that followed the acks
   * @param recorder writes the outcome in the round's transaction
   * @param inFlight puts off the rows whose records are still in flight when the wait ends, and
   *     records their late acknowledgements
   */
  public PublishRound(
      PublishPath path,
      TransactionTemplate transaction,
      OrderingGuard guard,
      BatchPublisher publisher,
      Function<Collection<Long>, List<OutboxRow>> claimAgain,
      Recorder recorder,
      InFlightRows inFlight,
      PublishListener listener) {
    this.path = Objects.requireNonNull(path, "path");
    this.transaction = Objects.requireNonNull(transaction, "transaction");
    this.guard = Objects.requireNonNull(guard, "guard");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.claimAgain = Objects.requireNonNull(claimAgain, "claimAgain");
    this.recorder = Objects.requireNonNull(recorder, "recorder");
    this.inFlight = Objects.requireNonNull(inFlight, "inFlight");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Writes a round's outcome in its transaction. */
  @FunctionalInterface
  public interface Recorder {
    /**
     * Records {@code outcome}: its acknowledged rows as sent, its failures as the publisher
     * decides; its rows still in flight are put off by the round itself.
     *
     * @return the failures it made DEAD, reported to {@link PublishListener#dead} after the commit
     */
    List<BatchPublisher.Failure> record(BatchPublisher.Outcome outcome);
  }

  /**
   * What a round did.
   *
   * @param claimed rows claimed, 0 or more
   * @param outcome the rows acknowledged, failed and still in flight (as recorded, after a second
   *     recording only the rows claimed again)
   * @param rolledBack nothing was acknowledged and no outcome was recorded: the round rolled back,
   *     or committed only the hold of its rows still in flight; no attempt was counted
   */
  public record Result(int claimed, BatchPublisher.Outcome outcome, boolean rolledBack) {
    public static final Result EMPTY =
        new Result(0, new BatchPublisher.Outcome(List.of(), List.of()), false);
  }

  /**
   * Runs one round.
   *
   * @param claim locks and returns the rows to publish, in id order; runs in the round's
   *     transaction
   * @param rollbackIfNothingSent record no failure when none was acknowledged (Kafka may be down:
   *     not the messages' fault): roll back, or commit only the hold of the rows still in flight
   * @return what the round did; {@link Result#EMPTY} when nothing was claimed
   * @throws org.springframework.dao.DataAccessException when the database fails the round; rows
   *     whose outcome was not recorded stay PENDING and are published again later
   */
  // The transaction callback returns null for an empty poll: Spring 7 types it
  // TransactionCallback<T extends @Nullable Object>, which NullAway reads as non-null outside its
  // JSpecify mode (that mode needs JDK 22+ to compile).
  @SuppressWarnings("NullAway")
  public Result run(Supplier<List<OutboxRow>> claim, boolean rollbackIfNothingSent) {
    long started = System.nanoTime();
    BatchPublisher.Outcome[] acknowledged = new BatchPublisher.Outcome[1];
    @Nullable Recorded round;
    try {
      round =
          transaction.execute(
              status -> {
                List<OutboxRow> claimed = claim.get();
                if (claimed.isEmpty()) {
                  return null;
                }
                BatchPublisher.Outcome outcome = publisher.publish(guard.releasable(claimed));
                // under the rows' locks: no one may claim them while their producer may deliver
                inFlight.hold(outcome.inFlight());
                if (outcome.nothingAcked() && rollbackIfNothingSent) {
                  if (outcome.inFlight().isEmpty()) {
                    status.setRollbackOnly();
                  }
                  return new Recorded(claimed.size(), outcome, List.of(), true);
                }
                acknowledged[0] = outcome;
                return new Recorded(claimed.size(), outcome, recorder.record(outcome), false);
              });
    } catch (PessimisticLockingFailureException e) {
      if (acknowledged[0] == null) {
        throw e;
      }
      round = recordAgain(acknowledged[0], e);
    }
    if (round == null) {
      return Result.EMPTY; // an empty poll is not a round: it would dilute the round meters
    }
    notify(round, Duration.ofNanos(System.nanoTime() - started));
    return new Result(round.claimed, round.outcome, round.rolledBack);
  }

  private Recorded recordAgain(BatchPublisher.Outcome lost, RuntimeException rollback) {
    log.info(
        "{} round rolled back by the database after Kafka's acks ({}); recording its outcome again",
        path.tag(),
        rollback.getClass().getSimpleName());
    List<Long> ids = new ArrayList<>(lost.ackedIds());
    lost.failed().forEach(failure -> ids.add(failure.row().id()));
    lost.inFlight().forEach(row -> ids.add(row.row().id()));
    try {
      return transaction.execute(
          status -> {
            Set<Long> claimed = new HashSet<>();
            claimAgain.apply(ids).forEach(row -> claimed.add(row.id()));
            BatchPublisher.Outcome outcome =
                new BatchPublisher.Outcome(
                    lost.acked().stream().filter(row -> claimed.contains(row.id())).toList(),
                    lost.failed().stream().filter(f -> claimed.contains(f.row().id())).toList(),
                    lost.inFlight().stream().filter(f -> claimed.contains(f.row().id())).toList(),
                    System.nanoTime());
            inFlight.putOff(outcome.inFlight());
            return new Recorded(claimed.size(), outcome, recorder.record(outcome), false);
          });
    } catch (RuntimeException e) {
      log.warn(
          "{}: {} acknowledged message(s) not recorded ({}, then {}): they will be published again",
          path.tag(),
          lost.acked().size(),
          rollback.getClass().getSimpleName(),
          e.toString());
      throw e;
    }
  }

  private void notify(Recorded round, Duration took) {
    listener.round(path, round.claimed, took);
    if (!round.rolledBack) {
      Instant committed = Instant.now();
      for (OutboxRow row : round.outcome.acked()) {
        listener.published(path, row, committed);
      }
    }
    for (BatchPublisher.Failure failure : round.outcome.failed()) {
      listener.failed(path, failure.row(), failure.error());
    }
    for (BatchPublisher.InFlight row : round.outcome.inFlight()) {
      listener.failed(path, row.row(), row.error());
    }
    for (BatchPublisher.Failure dead : round.dead) {
      listener.dead(dead.row(), String.valueOf(dead.error()));
    }
  }

  private record Recorded(
      int claimed,
      BatchPublisher.Outcome outcome,
      List<BatchPublisher.Failure> dead,
      boolean rolledBack) {}
}
