package dev.outboxrelay.internal;

/**
 * The database behind a {@code DataSource} was refused at start-up: not MySQL 8.0+ or MariaDB
 * 10.6+, a node of a multi-primary cluster, or outbox tables missing or at an older schema version.
 * The message is one line naming the problem and, for the schema, the scripts to apply; Spring Boot
 * reports it as such ({@code DatabaseRefusedFailureAnalyzer}) instead of a stack trace.
 */
public final class DatabaseRefusedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String action;

  /**
   * @param problem what is wrong, one line
   * @param action what to do about it, one line
   */
  DatabaseRefusedException(String problem, String action) {
    super(problem);
    this.action = action;
  }

  /** What to do about it, one line, e.g. which page of the docs to follow. */
  public String action() {
    return action;
  }
}
