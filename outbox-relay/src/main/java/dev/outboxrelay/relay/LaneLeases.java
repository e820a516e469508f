package dev.outboxrelay.relay;

import dev.outboxrelay.internal.DatabaseChecks;
import dev.outboxrelay.internal.RelayMembers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which lanes this relay instance works: ShedLock leases {@code outbox-lane-<n>}, extended while
 * held, spread evenly over the running instances. Each instance also holds a membership lease
 * {@code outbox-member-<hash>}; counting the live ones gives the fair share {@code ceil(lanes /
 * members)}, so lanes are re-spread when an instance appears or disappears (its leases expire).
 *
 * <p>Leases are about spreading work, not about correctness: a worker that lost its lease mid-batch
 * still holds its row locks, and the ordering guard keeps a new owner from overtaking them.
 *
 * <p>A lane given up while a worker's batch runs on it is no longer worked, and its lease is kept
 * (and extended) until that batch ends, then released by the next round: a round never waits for a
 * batch. Waiting, it renewed no lease for as long as the batches it waited for took (workers that
 * start their next batch at once can keep a waiter out for many), and its own leases, membership
 * included, could lapse meanwhile, which made the other instances take all its lanes.
 */
final class LaneLeases {
  private static final Logger log = LoggerFactory.getLogger(LaneLeases.class);
  static final String LANE_LOCK_PREFIX = "outbox-lane-";
  static final String MEMBER_LOCK_PREFIX = RelayMembers.LEASE_PREFIX;

  private final LockProvider locks;
  private final RelayMembers store;
  private final ClockStep clock;
  private final int lanes;
  private final Duration leaseDuration;
  private final String memberLockName;
  private final int firstLaneToTry;
  private final Map<Integer, SimpleLock> held = new ConcurrentHashMap<>();
  // given up, not worked any more, released once the batch running on the lane ends
  private final Map<Integer, SimpleLock> releasing = new ConcurrentHashMap<>();
  private final ReentrantLock[] laneInUse;
  private volatile List<Integer> owned = List.of();
  // after a failed renewal: no lane is worked, the leases are kept for the next renewal
  private volatile boolean suspended;
  private @Nullable SimpleLock membership;
  private final DatabaseChecks checks;

  /**
   * @param checks the database's start-up checks, run before a renewal while the database could not
   *     be reached for them (a schema found old then fails every renewal, naming the script)
   */
  LaneLeases(
      LockProvider locks,
      RelayMembers store,
      ClockStep clock,
      DatabaseChecks checks,
      RelaySettings settings) {
    this.locks = locks;
    this.checks = checks;
    this.store = store;
    this.clock = clock;
    this.lanes = settings.lanes();
    this.leaseDuration = settings.leaseDuration();
    UUID id = UUID.nameUUIDFromBytes(settings.instanceId().getBytes(StandardCharsets.UTF_8));
    this.memberLockName = MEMBER_LOCK_PREFIX + id.toString().replace("-", "").substring(0, 16);
    // instances start their search at different lanes, so they rarely race for the same lease
    this.firstLaneToTry = Math.floorMod(id.hashCode(), lanes);
    this.laneInUse = new ReentrantLock[lanes];
    for (int i = 0; i < lanes; i++) {
      laneInUse[i] = new ReentrantLock();
    }
  }

  /** The lanes held now, ascending. */
  List<Integer> owned() {
    return owned;
  }

  /**
   * Runs {@code batch} with those of {@code lanes} whose lease this instance still holds (none is
   * released while the batch runs); returns null, without running it, if it holds none of them.
   */
  <T> @Nullable T whileHeld(List<Integer> lanes, Function<List<Integer>, T> batch) {
    if (suspended) {
      return null;
    }
    List<Integer> locked = new ArrayList<>(lanes.size());
    try {
      for (int lane : lanes) {
        ReentrantLock inUse = laneInUse[lane];
        if (!inUse.tryLock()) {
          continue; // being released
        }
        if (held.containsKey(lane)) {
          locked.add(lane);
        } else {
          inUse.unlock();
        }
      }
      return locked.isEmpty() ? null : batch.apply(locked);
    } finally {
      for (int lane : locked) {
        laneInUse[lane].unlock();
      }
    }
  }

  /**
   * One round, every third of the lease duration: cut back leases a clock step left too far ahead,
   * renew the membership and the held leases (a lease that cannot be extended has been lost), then
   * move toward the fair share: lanes given up are no longer worked at once, and their leases are
   * released as soon as no batch runs on them (this round or a later one). Never waits for a batch.
   * Ends a suspension.
   *
   * @throws RuntimeException when the database fails a statement (unreachable, read-only); the
   *     leases not extended yet are kept
   */
  void rebalance() {
    checks.runIfPending(); // a database unreachable at start-up: no lane before its schema passes
    clock.checkLeases(); // before counting the live members: a dead one's lease may be cut
    membership = renewOrAcquire(memberLockName, membership);
    extend(held, true);
    extend(releasing, false);
    int live = store.liveMembers();
    int share = fairShare(lanes, live);
    List<Integer> released = new ArrayList<>();
    while (held.size() > share) {
      int lane = held.keySet().stream().max(Integer::compare).orElseThrow();
      SimpleLock lease = held.remove(lane);
      if (lease != null) {
        releasing.put(lane, lease); // no new batch starts on it from now on
      }
      released.add(lane);
    }
    publishOwned();
    releaseIdle();
    List<Integer> acquired = new ArrayList<>();
    for (int i = 0; i < lanes && held.size() < share; i++) {
      int lane = (firstLaneToTry + i) % lanes;
      if (!held.containsKey(lane) && !releasing.containsKey(lane)) {
        locks
            .lock(laneLock(lane))
            .ifPresent(
                lease -> {
                  held.put(lane, lease);
                  acquired.add(lane);
                });
      }
    }
    suspended = false;
    publishOwned();
    if (!acquired.isEmpty() || !released.isEmpty()) {
      log.info(
          "lanes: acquired {}, released {}, now own {} of {} (fair share {} over {} instance(s))",
          acquired,
          released,
          owned.size(),
          lanes,
          share,
          live);
    }
  }

  /**
   * How many lanes each of {@code liveMembers} instances holds: {@code ceil(lanes / liveMembers)},
   * so every lane has an owner; with more instances than lanes, one each and the rest idle.
   *
   * @param lanes 1 to 1024
   * @param liveMembers 1 or more
   */
  static int fairShare(int lanes, int liveMembers) {
    return (lanes + liveMembers - 1) / liveMembers;
  }

  /**
   * Extends each of {@code leases}; drops those that cannot be extended (lapsed, and maybe taken by
   * another instance), with a warning for a lane that was being worked.
   */
  private void extend(Map<Integer, SimpleLock> leases, boolean worked) {
    for (Iterator<Map.Entry<Integer, SimpleLock>> each = leases.entrySet().iterator();
        each.hasNext(); ) {
      Map.Entry<Integer, SimpleLock> lease = each.next();
      Optional<SimpleLock> extended = lease.getValue().extend(leaseDuration, Duration.ZERO);
      if (extended.isPresent()) {
        lease.setValue(extended.get());
      } else {
        each.remove();
        if (worked) {
          log.warn("lost the lease of lane {}: another instance may work it now", lease.getKey());
        }
      }
    }
  }

  /** Releases the leases given up whose lane no batch runs on now; leaves the others for later. */
  private void releaseIdle() {
    for (int lane : List.copyOf(releasing.keySet())) {
      ReentrantLock inUse = laneInUse[lane];
      if (inUse.tryLock()) {
        try {
          SimpleLock lease = releasing.remove(lane);
          if (lease != null) {
            lease.unlock();
          }
        } finally {
          inUse.unlock();
        }
      }
    }
  }

  /**
   * Drops every lease: after a failure to reach the database, and on shutdown (after waiting for
   * the batches running on the lanes).
   */
  void releaseAll() {
    Set<Integer> all = new TreeSet<>(held.keySet());
    all.addAll(releasing.keySet());
    for (Integer lane : all) {
      try {
        release(lane);
      } catch (RuntimeException e) {
        // The database failed: the other releases would fail the same way, each after the pool's
        // connection timeout. Every lease left expires on its own.
        log.warn("lane leases not released, they expire on their own: {}", e.toString());
        abandon();
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abandon();
        return;
      }
    }
    publishOwned();
    if (membership != null) {
      try {
        membership.unlock();
      } catch (RuntimeException e) {
        log.debug("membership lease not released; it expires on its own", e);
      }
      membership = null;
    }
  }

  /**
   * Stops working the lanes after a failed renewal, and keeps their leases: the next {@link
   * #rebalance()} that works extends them while they last (a lease held by this instance is taken
   * by no other), or takes them again once lapsed. Forgotten, a lease could only be taken again
   * after it lapsed, up to a lease duration after the database accepts writes again.
   */
  void suspend() {
    suspended = true;
    publishOwned();
  }

  /** Forgets every lease without releasing it, as a crashed instance would. */
  void abandon() {
    held.clear();
    releasing.clear();
    membership = null;
    publishOwned();
  }

  private void release(int lane) throws InterruptedException {
    SimpleLock worked = held.remove(lane); // no new batch starts on the lane
    publishOwned();
    SimpleLock givenUp = releasing.remove(lane);
    SimpleLock lease = worked != null ? worked : givenUp;
    ReentrantLock inUse = laneInUse[lane];
    inUse.lockInterruptibly(); // waits for the batch running on the lane
    try {
      if (lease != null) {
        lease.unlock();
      }
    } finally {
      inUse.unlock();
    }
  }

  private @Nullable SimpleLock renewOrAcquire(String name, @Nullable SimpleLock current) {
    if (current != null) {
      Optional<SimpleLock> extended = current.extend(leaseDuration, Duration.ZERO);
      if (extended.isPresent()) {
        return extended.get();
      }
    }
    return locks.lock(lockConfiguration(name)).orElse(null);
  }

  private LockConfiguration laneLock(int lane) {
    return lockConfiguration(LANE_LOCK_PREFIX + lane);
  }

  private LockConfiguration lockConfiguration(String name) {
    return new LockConfiguration(Instant.now(), name, leaseDuration, Duration.ZERO);
  }

  private void publishOwned() {
    owned = suspended ? List.of() : held.keySet().stream().sorted().toList();
  }
}
