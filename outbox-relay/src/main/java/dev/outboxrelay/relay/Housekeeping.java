package dev.outboxrelay.relay;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.SettingChecks;
import dev.outboxrelay.internal.OutboxStore;
import java.time.Instant;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's chores. Purging runs under the ShedLock lock {@code outbox-purge}, so one instance at
 * a time does it; the gauges are read by every instance (two index-only queries), so that every
 * scrape target reports a current value.
 */
final class Housekeeping {
  private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);
  static final String PURGE_LOCK = "outbox-purge";
  private static final int MAX_PURGE_BATCHES_PER_RUN = 100;

  private final OutboxStore store;
  private final LockingTaskExecutor singleton;
  private final RelaySettings settings;
  private volatile OutboxStore.PendingStats stats = new OutboxStore.PendingStats(0, 0, 0);

  Housekeeping(OutboxStore store, LockProvider locks, RelaySettings settings) {
    this.store = store;
    this.singleton = new DefaultLockingTaskExecutor(locks);
    this.settings = settings;
  }

  OutboxStore.PendingStats stats() {
    return stats;
  }

  void refreshGauges() {
    try {
      OutboxStore.PendingStats now = store.pendingStats(settings.lanes());
      if (now.unserved() > 0 && now.unserved() != stats.unserved()) {
        log.warn("outbox.relay.lanes {}", unservedProblem(now.unserved(), settings.lanes()));
      }
      stats = now;
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
            settings.purge().interval().multipliedBy(10),
            settings.purge().interval().dividedBy(2));
    try {
      singleton.executeWithLock((Runnable) this::purgeNow, lock);
    } catch (RuntimeException e) {
      log.warn("purge failed, retrying next interval: {}", e.toString());
    }
  }

  /** Deletes old SENT/CANCELLED rows in small batches; returns how many. */
  int purgeNow() {
    int total = 0;
    for (int i = 0; i < MAX_PURGE_BATCHES_PER_RUN; i++) {
      int deleted = store.purge(settings.retention(), settings.purge().batchSize());
      total += deleted;
      if (deleted < settings.purge().batchSize()) {
        break;
      }
    }
    store.purgeStaleMembers();
    if (total > 0) {
      log.info(
          "purged {} SENT/CANCELLED message(s) older than {}",
          total,
          SettingChecks.format(settings.retention()));
    }
    return total;
  }
}
