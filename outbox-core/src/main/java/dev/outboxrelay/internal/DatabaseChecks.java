package dev.outboxrelay.internal;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks a database gets when the outbox or the relay starts ({@link SupportedDatabase}: the
 * product, a single writer, the credentials; {@link OutboxSchema}: the schema version), run at once
 * and, when the database could not be reached then, again before its next use until they have run:
 * a database that comes up later without a migration is refused with the same line naming the
 * script, instead of failing every statement with "bad SQL grammar".
 */
public final class DatabaseChecks {
  private static final Logger log = LoggerFactory.getLogger(DatabaseChecks.class);

  private final DataSource dataSource;
  private final boolean businessTablesOnly;
  private volatile boolean pending = true;

  private DatabaseChecks(DataSource dataSource, boolean businessTablesOnly) {
    this.dataSource = dataSource;
    this.businessTablesOnly = businessTablesOnly;
  }

  /**
   * Checks the database that holds the outbox tables now; a database that cannot be reached is
   * logged once and checked again by {@link #runIfPending}.
   *
   * @throws DatabaseRefusedException when the database is refused; the message names why
   */
  public static DatabaseChecks ofOutboxTables(DataSource dataSource) {
    return start(new DatabaseChecks(dataSource, false));
  }

  /**
   * The same for message-store mode's business database, which needs only {@code t_msg_order}
   * ({@link OutboxSchema#checkBusinessTables}).
   *
   * @throws DatabaseRefusedException when the database is refused; the message names why
   */
  public static DatabaseChecks ofBusinessTables(DataSource dataSource) {
    return start(new DatabaseChecks(dataSource, true));
  }

  private static DatabaseChecks start(DatabaseChecks checks) {
    SQLException unreachable = checks.run();
    if (unreachable != null) {
      log.warn(
          "could not check the database at start-up (product, credentials, schema version),"
              + " checking it before its first use instead: {}",
          unreachable.toString());
    }
    return checks;
  }

  /**
   * Runs the checks if the database could not be reached for them yet; nothing once they have run
   * (a volatile read). A database still unreachable passes: the statement that follows fails.
   *
   * @throws DatabaseRefusedException when the database is refused; the message names why
   */
  public void runIfPending() {
    if (pending) {
      synchronized (this) {
        if (pending) {
          run();
        }
      }
    }
  }

  private @Nullable SQLException run() {
    SQLException unreachable = SupportedDatabase.checkIfReachable(dataSource);
    if (unreachable == null) {
      unreachable = OutboxSchema.checkIfReachable(dataSource, businessTablesOnly);
    }
    if (unreachable == null) {
      pending = false;
    }
    return unreachable;
  }
}
