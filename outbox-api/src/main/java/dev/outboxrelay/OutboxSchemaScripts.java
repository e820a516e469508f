package dev.outboxrelay;

import dev.outboxrelay.internal.OutboxSchema;
import java.util.List;

/**
 * Where the outbox's schema ships, for a service that creates it with Flyway, Liquibase or its own
 * script runner. The DDL is in outbox-core's jar, for MySQL 8.0+ and MariaDB 10.6+: versioned
 * scripts named for Flyway ({@code V1__outbox.sql} to {@code V5__key_index_without_status.sql}),
 * each idempotent, and a Liquibase changelog that runs the same scripts. The tables go in the
 * database that holds {@code t_msg}; in message-store mode, in the business database as well.
 *
 * <p>Released scripts never change (Flyway and Liquibase both refuse a changed checksum): a new
 * schema version is a new script, and a new changeset in the changelog.
 */
public final class OutboxSchemaScripts {

  /**
   * The scripts' folder as a Flyway location, for {@code spring.flyway.locations} or {@code
   * Flyway.configure().locations(..)}: {@value}. Beside a service's own {@code V1__...} migrations
   * in one history table the versions collide: run this location in a Flyway of its own, with a
   * history table of its own (e.g. {@code flyway_outbox_history}) and a baseline version of 0.
   */
  public static final String FLYWAY_LOCATION = "classpath:META-INF/outbox/sql/mysql";

  /**
   * The Liquibase changelog, for {@code spring.liquibase.change-log}: {@value}. From a master
   * changelog, include it as {@code <include
   * file="META-INF/outbox/liquibase/changelog-mysql.xml"/>}. Its changesets are {@code outbox-v1}
   * to {@code outbox-v5} by author {@code outbox-relay}, one per script, recorded under this path
   * however the file is reached.
   */
  public static final String LIQUIBASE_CHANGELOG =
      "classpath:META-INF/outbox/liquibase/changelog-mysql.xml";

  private OutboxSchemaScripts() {}

  /**
   * The scripts as class path resource names (no {@code classpath:} prefix, e.g. {@code
   * META-INF/outbox/sql/mysql/V1__outbox.sql}), oldest first: run them all, in this order, each as
   * a series of statements separated by {@code ;}. Running one again changes nothing.
   *
   * @return an unmodifiable list, never empty
   */
  public static List<String> mysqlScripts() {
    return OutboxSchema.MYSQL_SCRIPTS;
  }
}
