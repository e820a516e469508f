package dev.outboxrelay.relay;

import dev.outboxrelay.config.SettingChecks;
import dev.outboxrelay.internal.ClockStepRepairs;
import dev.outboxrelay.internal.RelayMembers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a database clock that stepped back (a failover to a server whose clock was ahead, an NTP
 * step, libfaketime) leaves behind, repaired. Leases and {@code next_attempt_at} are compared with
 * the database's clock; a value written before the step lies ahead by the step's size, so a dead
 * relay's leases would look alive, and deferred messages would wait, for that long. A value further
 * ahead than any relay writes can only come from such a step (or from a replica with longer
 * settings), so it is cut back:
 *
 * <ul>
 *   <li>leases ({@code shedlock}), every lease round: a lane or membership lease running out more
 *       than a lease duration beyond {@code now + lease-duration} is cut to {@code now +
 *       lease-duration} (a live holder extends it anyway every third of that; a dead one's expires
 *       within it), and the purge and check-back locks likewise to their longest hold;
 *   <li>PENDING messages whose {@code next_attempt_at} lies more than a lease duration beyond the
 *       longest wait a relay or service sets ({@code backoff.max}, {@link #LONGEST_RELAY_DELAY})
 *       are made due now: a sweep through the lane index, a slice at a time, at start-up and after
 *       each step back this relay sees.
 * </ul>
 *
 * A step is seen by reading the database's clock every lease round and comparing its progress with
 * the local monotonic clock's: one WARN line and {@value #STEPS} counts it.
 */
final class ClockStep {
  private static final Logger log = LoggerFactory.getLogger(ClockStep.class);
  static final String STEPS = "outbox.database.clock.steps.back";
  static final String REPAIRS = "outbox.clock.repairs";

  /** The longest {@code outbox.fast-path.relay-delay} a service may set (its upper bound). */
  static final Duration LONGEST_RELAY_DELAY = Duration.ofMinutes(1);

  // smaller differences are the round trip, scheduling and NTP slewing, not a step
  private static final long TOLERANCE_MICROS = 1_000_000;
  private static final int SLICE_ROWS = 1000;
  private static final int SLICES_PER_RUN = 10;

  private final ClockStepRepairs store;
  private final int lanes;
  private final Duration leaseDuration;
  private final List<ClockStepRepairs.LeaseFamily> lockFamilies = new ArrayList<>();
  private long shortestLimitMicros = Long.MAX_VALUE; // of the lock families
  private final long messageLimitMicros;
  private final Counter steps;
  private final Counter leaseRepairs;
  private final Counter messageRepairs;
  private final AtomicBoolean sweepDue = new AtomicBoolean(true); // start-up

  // the lease keeper's thread: the last reading of the database's clock and when it ended
  private long lastDatabaseMicros;
  private long lastReadEnded;
  private boolean read;

  // the housekeeping thread: where the sweep goes on (lane -1: none under way)
  private int sweepLane = -1;
  private long sweepAfterId;

  ClockStep(DataSource dataSource, RelaySettings settings, MeterRegistry meters) {
    this.store = new ClockStepRepairs(dataSource);
    this.lanes = settings.lanes();
    this.leaseDuration = settings.leaseDuration();
    Duration slack = settings.leaseDuration();
    lockFamily(LaneLeases.LANE_LOCK_PREFIX + "%", settings.leaseDuration(), slack);
    lockFamily(RelayMembers.LEASE_PREFIX + "%", settings.leaseDuration(), slack);
    lockFamily(Housekeeping.PURGE_LOCK, Housekeeping.longestPurgeHold(settings), slack);
    lockFamily(CheckBack.LOCK, CheckBack.longestHold(settings.checkBack()), slack);
    Duration longestDelay =
        settings.backoff().max().compareTo(LONGEST_RELAY_DELAY) > 0
            ? settings.backoff().max()
            : LONGEST_RELAY_DELAY;
    this.messageLimitMicros = micros(longestDelay.plus(slack));
    this.steps =
        Counter.builder(STEPS)
            .description(
                "Times the database's clock went back by more than a second between two readings"
                    + " of this relay: leases and deferred messages are checked and repaired")
            .register(meters);
    this.leaseRepairs = repairs(meters, "lease");
    this.messageRepairs = repairs(meters, "message");
  }

  private static Counter repairs(MeterRegistry meters, String kind) {
    return Counter.builder(REPAIRS)
        .description(
            "Leases cut back, or PENDING messages made due, because they lay further ahead of the"
                + " database's clock than any relay writes (a clock that stepped back)")
        .tag("kind", kind)
        .register(meters);
  }

  private void lockFamily(String names, Duration hold, Duration slack) {
    shortestLimitMicros = Math.min(shortestLimitMicros, micros(hold.plus(slack)));
    lockFamilies.add(
        new ClockStepRepairs.LeaseFamily(names, micros(hold), micros(hold.plus(slack))));
  }

  /**
   * One lease round's part, before the leases are renewed and counted: watches the database's clock
   * and cuts back leases no relay could have written at its current time. Never throws: the lease
   * round that follows meets a database failure anyway.
   */
  void checkLeases() {
    try {
      watch();
      // a plain read first: the UPDATEs would lock the rows they examine, which every relay's
      // ShedLock renews, and there is nothing to cut but after a step
      Integer suspect = store.suspectLeases(shortestLimitMicros);
      if (suspect == null || suspect == 0) {
        return;
      }
      int cut = 0;
      for (ClockStepRepairs.LeaseFamily family : lockFamilies) {
        cut += store.capLeases(family);
      }
      if (cut > 0) {
        leaseRepairs.increment(cut);
        log.warn(
            "cut back {} lease(s) that ran out further ahead of the database's clock than any"
                + " relay writes (its clock stepped back, or a replica has a longer"
                + " outbox.relay.lease-duration): a dead holder's lanes move within {}",
            cut,
            SettingChecks.format(leaseDuration));
      }
    } catch (RuntimeException e) {
      log.debug("could not check the leases against the database's clock", e);
    }
  }

  private void watch() {
    long started = System.nanoTime();
    Long now = store.databaseMicros();
    long ended = System.nanoTime();
    if (now == null) {
      return;
    }
    if (read) {
      long elapsedAtLeast = (started - lastReadEnded) / 1000;
      long back = elapsedAtLeast - (now - lastDatabaseMicros);
      if (back > TOLERANCE_MICROS) {
        steps.increment();
        sweepDue.set(true);
        log.warn(
            "the database's clock went back by at least {} ms: leases and deferred messages that"
                + " now lie too far ahead are cut back",
            back / 1000);
      }
    }
    read = true;
    lastDatabaseMicros = now;
    lastReadEnded = ended;
  }

  /**
   * One housekeeping run's part: goes on with the sweep of PENDING rows, at most {@value
   * #SLICES_PER_RUN} slices of {@value #SLICE_ROWS} rows, when one is due (at start-up, after a
   * step back).
   */
  void sweepMessages() {
    if (sweepDue.getAndSet(false)) {
      sweepLane = 0;
      sweepAfterId = 0;
    }
    int made = 0;
    try {
      for (int slice = 0; slice < SLICES_PER_RUN && sweepLane >= 0; slice++) {
        made += sweepSlice();
      }
    } catch (RuntimeException e) {
      log.debug("could not sweep the deferred messages; going on next run", e);
    }
    if (made > 0) {
      messageRepairs.increment(made);
      log.warn(
          "made {} PENDING message(s) due that were deferred further ahead of the database's"
              + " clock than any relay or service writes (its clock stepped back)",
          made);
    }
  }

  private int sweepSlice() {
    ClockStepRepairs.Slice slice =
        store.pendingSlice(sweepLane, sweepAfterId, SLICE_ROWS, messageLimitMicros);
    int made = store.makeDue(slice.implausible(), messageLimitMicros);
    if (slice.rows() < SLICE_ROWS) {
      sweepLane = sweepLane + 1 < lanes ? sweepLane + 1 : -1;
      sweepAfterId = 0;
    } else {
      sweepAfterId = slice.lastId();
    }
    return made;
  }

  private static long micros(Duration duration) {
    return duration.toNanos() / 1000;
  }
}
