package dev.outboxrelay.internal;

/**
 * The one place for what the store's statements name: the outbox tables, the columns a claimed row
 * is read with, and the status codes of {@link MessageStatus}. Each statement is a text block with
 * placeholders, bound once at class initialisation by {@link #bind}, so a name or code is written
 * here only and the bound text is what the database always receives (the bench's figures and the
 * EXPLAIN tests rely on it).
 */
final class OutboxTables {
  /** The messages: {@code {MESSAGES}}. */
  static final String MESSAGES = "t_msg";

  /** The business references, in the business database: {@code {ORDERS}}. */
  static final String ORDERS = "t_msg_order";

  /** The key lock rows (schema V2): {@code {KEY_LOCKS}}. */
  static final String KEY_LOCKS = "t_msg_key";

  /**
   * ShedLock's table, which holds the relays' lane leases and membership leases: {@code {LEASES}}.
   */
  static final String LEASES = "shedlock";

  /** The columns of {@link #MESSAGES} a claimed row is read with: {@code {COLUMNS}}. */
  static final String COLUMNS =
      "id, msg_id, ref_type, ref_id, topic, msg_key, payload, headers, lane, attempts, created_at";

  private OutboxTables() {}

  /**
   * Binds the template's placeholders: {@code {MESSAGES}}, {@code {ORDERS}}, {@code {KEY_LOCKS}},
   * {@code {LEASES}}, {@code {COLUMNS}} and the status codes ({@code {PENDING}}, {@code {SENT}},
   * ...).
   *
   * @throws IllegalStateException if a placeholder is left unbound
   */
  static String bind(String template) {
    String bound =
        template
            .replace("{MESSAGES}", MESSAGES)
            .replace("{ORDERS}", ORDERS)
            .replace("{KEY_LOCKS}", KEY_LOCKS)
            .replace("{LEASES}", LEASES)
            .replace("{COLUMNS}", COLUMNS);
    for (MessageStatus status : MessageStatus.values()) {
      bound = bound.replace("{" + status.name() + "}", Integer.toString(status.code()));
    }
    if (bound.contains("{")) {
      throw new IllegalStateException("unbound placeholder in " + bound);
    }
    return bound;
  }
}
