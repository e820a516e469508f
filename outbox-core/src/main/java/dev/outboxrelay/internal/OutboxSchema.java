package dev.outboxrelay.internal;

import java.util.List;

/**
 * The outbox's DDL as it ships in outbox-core's jar (from {@code sql/mysql/}): versioned scripts to
 * run in order, each idempotent, in the database that holds the outbox tables.
 */
public final class OutboxSchema {
  /** Classpath locations of the MySQL 8 / MariaDB 10.6+ scripts, oldest first. */
  public static final List<String> MYSQL_SCRIPTS =
      List.of(
          "META-INF/outbox/sql/mysql/V1__outbox.sql",
          "META-INF/outbox/sql/mysql/V2__sizes_and_key_locks.sql");

  private OutboxSchema() {}

  /** {@link #MYSQL_SCRIPTS} as an array, for {@code runScript(String...)}-style callers. */
  public static String[] mysqlScripts() {
    return MYSQL_SCRIPTS.toArray(String[]::new);
  }
}
