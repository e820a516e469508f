package dev.outboxrelay.internal;

import static dev.outboxrelay.internal.OutboxTables.bind;

import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The relays' membership leases in ShedLock's table: each running relay holds one, named {@link
 * #LEASE_PREFIX} and its member id, and spreads the lanes by how many are live. The lease itself is
 * ShedLock's; these are the two statements the relay asks of the table beside it.
 */
public final class RelayMembers {
  /** The ShedLock lock names of the relays' membership leases: {@code outbox-member-<id>}. */
  public static final String LEASE_PREFIX = "outbox-member-";

  // The relays that hold a live membership lease (the lanes are spread over them)
  private static final String COUNT_LIVE_MEMBERS =
      members(
          """
          SELECT COUNT(*) FROM {LEASES}
          WHERE name LIKE '{LEASE_PREFIX}%' AND lock_until > UTC_TIMESTAMP(3)""");

  // ... and the membership rows of relays gone for a day (each start names a new member).
  private static final String PURGE_STALE_MEMBERS =
      members(
          """
          DELETE FROM {LEASES}
          WHERE name LIKE '{LEASE_PREFIX}%'
            AND lock_until < DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 1 DAY)""");

  private final JdbcTemplate jdbc;

  public RelayMembers(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(Objects.requireNonNull(dataSource, "dataSource"));
  }

  private static String members(String template) {
    return bind(template.replace("{LEASE_PREFIX}", LEASE_PREFIX));
  }

  /** How many relays hold a live membership lease (at least 1: the one asking keeps its own). */
  public int liveMembers() {
    Integer members = jdbc.queryForObject(COUNT_LIVE_MEMBERS, Integer.class);
    return Math.max(1, members == null ? 1 : members);
  }

  /** Deletes the membership rows of relays whose lease ended more than a day ago. */
  public int purgeStaleMembers() {
    return jdbc.update(PURGE_STALE_MEMBERS);
  }
}
