package dev.outboxrelay;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning at most once a minute, the rest at debug: an outage (Kafka, the message database) must
 * not flood the service's log with one line per business call.
 */
final class OutageLog {
  private static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Logger log;
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);

  OutageLog(Logger log) {
    this.log = log;
  }

  void warn(String message) {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
      log.warn("{} (more within a minute are logged at debug)", message);
    } else {
      log.debug(message);
    }
  }
}
