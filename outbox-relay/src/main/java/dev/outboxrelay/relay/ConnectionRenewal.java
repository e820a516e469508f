package dev.outboxrelay.relay;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ClassUtils;

/**
 * After a failover the old primary usually stays up as a read-only replica, and a pool keeps its
 * connections to it: they are valid, so every write fails with "read-only" for as long as they
 * live. On such an error the relay renews its pool's connections (HikariCP: soft eviction, idle
 * ones at once, busy ones when returned), so that new ones resolve the database's address again and
 * reach the new primary. Pools other than HikariCP are left as they are.
 */
final class ConnectionRenewal {
  private static final Logger log = LoggerFactory.getLogger(ConnectionRenewal.class);
  private static final boolean HIKARI =
      ClassUtils.isPresent(
          "com.zaxxer.hikari.HikariDataSource", ConnectionRenewal.class.getClassLoader());
  private static final Set<Integer> READ_ONLY_ERRORS = Set.of(1290, 1836, 1874, 1036);
  private static final long MIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final DataSource dataSource;
  private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final AtomicLong lastRenewal = new AtomicLong(System.nanoTime() - MIN_INTERVAL_NANOS);
  // written by the one thread that won the renewal
  private volatile long lastWarning = System.nanoTime() - WARN_INTERVAL_NANOS;

  ConnectionRenewal(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Whether {@code error} says the database refuses writes ({@link #readOnlyCause}). */
  static boolean isReadOnly(Throwable error) {
    return readOnlyCause(error) != null;
  }

  /**
   * The error in {@code error}'s causes that says the database refuses writes, or null: MySQL's and
   * MariaDB's "running with the --read-only (or --super-read-only) option" (1290), "running in
   * read-only mode" (1836), "InnoDB is in read only mode" (1874, {@code innodb_read_only}), "Table
   * … is read only" (1036), and SQLSTATE 25006, a read-only transaction (1792: the session or the
   * pool made read-only).
   */
  static @Nullable SQLException readOnlyCause(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql
          && (READ_ONLY_ERRORS.contains(sql.getErrorCode()) || "25006".equals(sql.getSQLState()))) {
        return sql;
      }
      if (cause.getCause() == cause) {
        return null;
      }
    }
    return null;
  }

  /** Renews the pool's connections if {@code error} says the database is read-only. */
  void afterFailure(Throwable error) {
    if (!isReadOnly(error)) {
      return;
    }
    long now = System.nanoTime();
    long last = lastRenewal.get();
    if (now - last < MIN_INTERVAL_NANOS || !lastRenewal.compareAndSet(last, now)) {
      return; // several threads meet the same failover: renew once
    }
    boolean renewed = HIKARI && Hikari.softEvict(dataSource);
    // renewed every few seconds while the spell lasts: said at WARN once a minute
    boolean warn = now - lastWarning >= WARN_INTERVAL_NANOS;
    if (warn) {
      lastWarning = now;
    }
    log.atLevel(warn ? org.slf4j.event.Level.WARN : org.slf4j.event.Level.DEBUG)
        .log(
            "the database refuses writes as read-only (a failover?): {}",
            renewed
                ? "the pool's connections are renewed, so new ones reach the current primary"
                : "retrying; renew the pool's connections if they point at a former primary");
  }

  /** Kept apart so that the class loads without HikariCP. */
  private static final class Hikari {
    static boolean softEvict(DataSource dataSource) {
      try {
        if (dataSource.isWrapperFor(HikariDataSource.class)) {
          HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
          if (pool.getHikariPoolMXBean() != null) {
            pool.getHikariPoolMXBean().softEvictConnections();
            return true;
          }
        }
      } catch (SQLException | RuntimeException e) {
        log.debug("could not renew the pool's connections", e);
      }
      return false;
    }
  }
}
