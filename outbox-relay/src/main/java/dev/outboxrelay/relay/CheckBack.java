package dev.outboxrelay.relay;

import dev.outboxrelay.internal.MessageStoreDecisions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Message-store mode's compensation job (the article leaves it as homework): decides the PREPARED
 * messages that their service did not confirm or cancel (it died, or the message database was away
 * after the business transaction). Runs under the ShedLock lock {@value #LOCK}, one instance at a
 * time. Per message older than {@code check-back.after}: its business message id recorded in {@code
 * t_msg_order} → confirmed (PENDING: the relay publishes it); not recorded and older than {@code
 * check-back.transaction-timeout} → cancelled; not recorded and younger → left, its transaction may
 * still commit. When the source does not answer, nothing is decided and the next run waits,
 * doubling from the interval up to {@code check-back.max-backoff}. When the source cannot show that
 * it has seen every commit (a replica, a read-only server), nothing is cancelled on its word: the
 * found messages are confirmed, the others stay PREPARED, and a WARN says why.
 *
 * <p>Meters: {@value #DECISIONS} (counter, {@code outcome=confirmed|cancelled}), {@value
 * #DECIDED_AGE} (the decided messages' age, seconds, by outcome), {@value #FAILURES} (rounds
 * without an answer) and {@value #CANNOT_CANCEL} (1 while the last answer's source could not be
 * shown to have seen every commit, else 0).
 */
final class CheckBack {
  private static final Logger log = LoggerFactory.getLogger(CheckBack.class);
  static final String LOCK = "outbox-check-back";
  static final String DECISIONS = "outbox.check.back.decisions";
  static final String DECIDED_AGE = "outbox.check.back.decided.age";
  static final String FAILURES = "outbox.check.back.failures";
  static final String CANNOT_CANCEL = "outbox.check.back.cannot.cancel";
  private static final int MAX_PAGES_PER_RUN = 50;

  private final MessageStoreDecisions messages;
  private final CheckBackSource source;
  private final TransactionTemplate transaction;
  private final LockingTaskExecutor singleton;
  private final RelaySettings.CheckBack settings;
  private final List<Integer> lanes;
  private final Counter confirmed;
  private final Counter cancelled;
  private final DistributionSummary confirmedAge;
  private final DistributionSummary cancelledAge;
  private final Counter failures;
  private long resumeAt = System.nanoTime();
  private int failedRuns;
  private volatile @Nullable String cannotCancel;

  CheckBack(
      MessageStoreDecisions messages,
      CheckBackSource source,
      TransactionTemplate transaction,
      LockProvider locks,
      RelaySettings settings,
      MeterRegistry meters) {
    this.messages = messages;
    this.source = source;
    this.transaction = transaction;
    this.singleton = new DefaultLockingTaskExecutor(locks);
    this.settings = settings.checkBack();
    this.lanes = IntStream.range(0, settings.lanes()).boxed().toList();
    // registered at 0 now: a counter first seen at 1 hides its first increase from rate()
    this.confirmed = decisions(meters, "confirmed");
    this.cancelled = decisions(meters, "cancelled");
    this.confirmedAge = decidedAge(meters, "confirmed");
    this.cancelledAge = decidedAge(meters, "cancelled");
    this.failures =
        Counter.builder(FAILURES)
            .description("Check-back rounds that got no answer; their messages stay PREPARED")
            .register(meters);
    Gauge.builder(CANNOT_CANCEL, this, checkBack -> checkBack.cannotCancel == null ? 0 : 1)
        .description(
            "1 while the check-back's source cannot be shown to have seen every commit (a replica,"
                + " a read-only server): it confirms, but cancels nothing")
        .register(meters);
  }

  private static Counter decisions(MeterRegistry meters, String outcome) {
    return Counter.builder(DECISIONS)
        .description("PREPARED messages the check-back confirmed or cancelled")
        .tag("outcome", outcome)
        .register(meters);
  }

  private static DistributionSummary decidedAge(MeterRegistry meters, String outcome) {
    return DistributionSummary.builder(DECIDED_AGE)
        .description("Age of the PREPARED messages the check-back decided")
        .baseUnit("seconds")
        .tag("outcome", outcome)
        .register(meters);
  }

  /** How long the check-back lock is held at most (its lock-at-most-for). */
  static Duration longestHold(RelaySettings.CheckBack settings) {
    return settings.interval().multipliedBy(10).plus(settings.requestTimeout());
  }

  /** One scheduled run: decides what it can, unless backing off or another instance runs it. */
  void run() {
    if (System.nanoTime() - resumeAt < 0) {
      return;
    }
    LockConfiguration lock =
        new LockConfiguration(
            Instant.now(), LOCK, longestHold(settings), settings.interval().dividedBy(2));
    try {
      singleton.executeWithLock((Runnable) this::runNow, lock);
      failedRuns = 0;
    } catch (RuntimeException e) {
      failures.increment();
      failedRuns++;
      Duration pause = backoff(failedRuns);
      resumeAt = System.nanoTime() + pause.toNanos();
      log.warn(
          "check-back round failed (asking {}, or reading the message database), PREPARED"
              + " messages stay as they are; next try in {}: {}",
          source.describe(),
          dev.outboxrelay.config.SettingChecks.format(pause),
          e.toString());
    }
  }

  /** The pause after {@code failedRuns} failed runs in a row: the interval, doubling, capped. */
  Duration backoff(int failedRuns) {
    Duration pause = settings.interval();
    for (int i = 1; i < failedRuns && pause.compareTo(settings.maxBackoff()) < 0; i++) {
      pause = pause.multipliedBy(2);
    }
    return pause.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : pause;
  }

  /**
   * Decides the PREPARED messages older than {@code after}, oldest first, a batch at a time, at
   * most {@value #MAX_PAGES_PER_RUN} batches.
   *
   * @return how many it decided
   * @throws RuntimeException if the source gave no answer; the batches before were decided
   */
  int runNow() {
    long afterId = 0;
    int decided = 0;
    for (int page = 0; page < MAX_PAGES_PER_RUN; page++) {
      List<MessageStoreDecisions.PreparedRow> rows =
          messages.preparedOlderThan(lanes, settings.after(), afterId, settings.batchSize());
      if (rows.isEmpty()) {
        break;
      }
      decided += decide(rows);
      afterId = rows.get(rows.size() - 1).id();
      if (rows.size() < settings.batchSize()) {
        break;
      }
    }
    return decided;
  }

  private int decide(List<MessageStoreDecisions.PreparedRow> rows) {
    List<String> asked =
        rows.stream()
            .map(MessageStoreDecisions.PreparedRow::busMsgId)
            .filter(Objects::nonNull)
            .toList();
    if (asked.isEmpty()) {
      return 0;
    }
    CheckBackSource.Answer answer = source.ask(asked);
    Set<String> committed = answer.committed();
    noteWhetherItCanCancel(answer.absenceUnproven());
    List<MessageStoreDecisions.PreparedRow> confirm = new ArrayList<>();
    List<MessageStoreDecisions.PreparedRow> cancel = new ArrayList<>();
    double timeout = settings.transactionTimeout().toMillis() / 1000.0;
    for (MessageStoreDecisions.PreparedRow row : rows) {
      if (row.busMsgId() == null) {
        continue; // not written by message-store mode: nobody can say whether it committed
      }
      if (committed.contains(row.busMsgId())) {
        confirm.add(row);
      } else if (row.ageSeconds() >= timeout && answer.absenceUnproven() == null) {
        cancel.add(row);
      }
    }
    if (confirm.isEmpty() && cancel.isEmpty()) {
      return 0;
    }
    // Both only from PREPARED: a service that decided a message meanwhile wins.
    int[] counts =
        transaction.execute(
            tx ->
                new int[] {
                  messages.confirm(ids(confirm), Duration.ZERO), messages.cancel(ids(cancel))
                });
    record(confirm, counts[0], confirmed, confirmedAge);
    record(cancel, counts[1], cancelled, cancelledAge);
    if (counts[0] + counts[1] > 0) {
      log.info(
          "check-back confirmed {} and cancelled {} PREPARED message(s) (asked {})",
          counts[0],
          counts[1],
          source.describe());
    }
    return counts[0] + counts[1];
  }

  /** Why the last answer's source could not prove an absence; null when it could. */
  @Nullable String cannotCancel() {
    return cannotCancel;
  }

  /** Logs once when the source stops or starts being able to prove an absence. */
  private void noteWhetherItCanCancel(@Nullable String unproven) {
    String before = cannotCancel;
    cannotCancel = unproven;
    if (unproven != null && !unproven.equals(before)) {
      log.warn(
          "check-back cancels nothing: {} is not shown to have seen every commit ({}); messages"
              + " it does not find stay PREPARED, those it finds are confirmed",
          source.describe(),
          unproven);
    } else if (unproven == null && before != null) {
      log.info("check-back cancels again: {} is shown to be the primary", source.describe());
    }
  }

  private static void record(
      List<MessageStoreDecisions.PreparedRow> rows,
      int changed,
      Counter counter,
      DistributionSummary age) {
    counter.increment(changed);
    // rows a service decided meanwhile are not the check-back's: their ages are known only when
    // none was (the usual case)
    if (changed == rows.size()) {
      rows.forEach(row -> age.record(row.ageSeconds()));
    }
  }

  private static java.util.Map<Long, String> ids(List<MessageStoreDecisions.PreparedRow> rows) {
    java.util.Map<Long, String> ids = new java.util.HashMap<>();
    rows.forEach(row -> ids.put(row.id(), row.busMsgId()));
    return ids;
  }
}
