package dev.outboxrelay.relay;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.SettingChecks;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.internal.OutboxMaintenance;
import dev.outboxrelay.internal.RelayMembers;
import java.time.Instant;
import java.util.List;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The relay's chores. Purging runs under the ShedLock lock {@code outbox-purge}, so one instance at
 * a time does it; the gauges are read by every instance (two index-only queries), so that every
 * scrape target reports a current value.
 */
final class Housekeeping {
  private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
  static final String PURGE_LOCK = "outbox-purge";
  private static final int MAX_PURGE_BATCHES_PER_RUN = 100;

  private static final List<MessageStatus> PURGED =
      List.of(MessageStatus.SENT, MessageStatus.CANCELLED, MessageStatus.DEAD);

  private final OutboxMaintenance store;
  private final RelayMembers members;
  private final TransactionTemplate transaction;
  private final LockingTaskExecutor singleton;
  private final RelaySettings settings;
  private static final int MAX_KEY_SLICES_PER_RUN = 10;
  // where the sweep of unused key lock rows goes on at the next run ("" = from the first key)
  private String keySweepFrom = "";
  private volatile OutboxMaintenance.PendingStats stats =
      new OutboxMaintenance.PendingStats(0, 0, 0);
  private volatile OutboxMaintenance.PreparedStats prepared =
      new OutboxMaintenance.PreparedStats(0, 0);

  /**
   * @param transaction READ COMMITTED, so a purge statement locks only the rows it deletes
   */
  Housekeeping(
      OutboxMaintenance store,
      RelayMembers members,
      TransactionTemplate transaction,
      LockProvider locks,
      RelaySettings settings) {
    this.store = store;
    this.members = members;
    this.transaction = transaction;
    this.singleton = new DefaultLockingTaskExecutor(locks);
    this.settings = settings;
  }

  OutboxMaintenance.PendingStats stats() {
    return stats;
  }

  /** PREPARED messages (message-store mode) as the gauges last saw them. */
  OutboxMaintenance.PreparedStats prepared() {
    return prepared;
  }

  void refreshGauges() {
    try {
      OutboxMaintenance.PendingStats now = store.pendingStats(settings.lanes());
      if (now.unserved() > 0 && now.unserved() != stats.unserved()) {
        log.warn("outbox.relay.lanes {}", unservedProblem(now.unserved(), settings.lanes()));
      }
      stats = now;
      prepared = store.preparedStats(settings.lanes());
    } catch (RuntimeException e) {
      log.debug("could not read the pending gauges", e);
    }
  }

  /**
   * Refuses to start a relay that would leave PENDING rows behind: rows in lanes it does not serve,
   * written by services with more {@code outbox.lanes}. A database that cannot be reached now is
   * not refused; the gauges re-check it.
   *
   * @throws InvalidSettingException naming {@code outbox.relay.lanes} and {@code outbox.lanes}
   */
  void checkLanes() {
    long unserved;
    try {
      unserved = store.pendingOutsideLanes(settings.lanes());
    } catch (RuntimeException e) {
      log.warn("could not check the outbox's lanes at start-up: {}", e.toString());
      return;
    }
    if (unserved > 0) {
      throw new InvalidSettingException(
          "outbox.relay.lanes", unservedProblem(unserved, settings.lanes()));
    }
  }

  static String unservedProblem(long unserved, int lanes) {
    return "("
        + lanes
        + ") must equal the writers' outbox.lanes: "
        + unserved
        + " PENDING message(s) are in lanes "
        + lanes
        + " and above, which this relay never publishes";
  }

  void purge() {
    // held at least half an interval, so instances whose schedules drift apart do not each run it
    LockConfiguration lock =
        new LockConfiguration(
            Instant.now(),
            PURGE_LOCK,
            longestPurgeHold(settings),
            settings.purge().interval().dividedBy(2));
    try {
      singleton.executeWithLock((Runnable) this::purgeNow, lock);
    } catch (RuntimeException e) {
      log.warn("purge failed, retrying next interval: {}", e.toString());
    }
  }

  /** How long the purge lock is held at most (its lock-at-most-for). */
  static java.time.Duration longestPurgeHold(RelaySettings settings) {
    return settings.purge().interval().multipliedBy(10);
  }

  /**
   * Deletes SENT and CANCELLED rows older than the retention and DEAD rows older than the
   * dead-retention, lane by lane, in statements of at most {@code purge.batch-size} rows, each in
   * its own short READ COMMITTED transaction; at most {@value #MAX_PURGE_BATCHES_PER_RUN}
   * statements a run. Returns how many rows it deleted.
   */
  int purgeNow() {
    long belowSent = store.firstIdYoungerThan(settings.retention());
    long belowDead = store.firstIdYoungerThan(settings.deadRetention());
    int statements = 0;
    int total = 0;
    int dead = 0;
    for (int lane = 0; lane < settings.lanes() && statements < MAX_PURGE_BATCHES_PER_RUN; lane++) {
      for (MessageStatus status : PURGED) {
        long below = status == MessageStatus.DEAD ? belowDead : belowSent;
        int deleted;
        do {
          int laneToPurge = lane;
          deleted =
              transaction.execute(
                  tx -> store.purge(laneToPurge, status, below, settings.purge().batchSize()));
          statements++;
          total += deleted;
          dead += status == MessageStatus.DEAD ? deleted : 0;
        } while (deleted == settings.purge().batchSize() && statements < MAX_PURGE_BATCHES_PER_RUN);
      }
    }
    members.purgeStaleMembers();
    int keys = purgeUnusedKeys();
    if (keys > 0) {
      log.debug("deleted {} lock row(s) of keys with no message left", keys);
    }
    if (total > 0) {
      log.info(
          "purged {} SENT/CANCELLED message(s) older than {} and {} DEAD older than {}",
          total - dead,
          SettingChecks.format(settings.retention()),
          dead,
          SettingChecks.format(settings.deadRetention()));
    }
    return total;
  }

  /**
   * Deletes the lock rows ({@code t_msg_key}) of keys with no message left, sweeping the key space
   * a slice of {@code purge.batch-size} keys at a time, at most {@value #MAX_KEY_SLICES_PER_RUN}
   * slices a run, going on where the last run stopped.
   */
  private int purgeUnusedKeys() {
    int deleted = 0;
    for (int slice = 0; slice < MAX_KEY_SLICES_PER_RUN; slice++) {
      String from = keySweepFrom;
      OutboxMaintenance.KeySweep sweep =
          transaction.execute(tx -> store.purgeUnusedKeys(from, settings.purge().batchSize()));
      deleted += sweep.deleted();
      keySweepFrom = sweep.next() == null ? "" : sweep.next();
      if (sweep.next() == null) {
        break;
      }
    }
    return deleted;
  }
}
