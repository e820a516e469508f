package dev.outboxrelay.relay;

import dev.outboxrelay.internal.OutboxSchema;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** Where the check-back learns which business transactions committed. */
interface CheckBackSource {

  /**
   * Which of {@code busMsgIds} a committed business transaction recorded in {@code t_msg_order},
   * and whether the others' absence is conclusive.
   *
   * @throws RuntimeException when there is no answer (unreachable, timed out, malformed): the
   *     messages stay PREPARED and are asked about again later
   */
  Answer ask(List<String> busMsgIds);

  /** What the logs call it: {@code the business database} or the endpoint's URL. */
  String describe();

  /**
   * A source's answer.
   *
   * @param committed the ids that were found: their transactions committed
   * @param absenceUnproven null when the source has seen every commit, so that an id it did not
   *     find was not committed (yet); else why it may not have (a replica, a read-only server, a
   *     server whose role could not be read), and then no message may be cancelled on its word
   */
  record Answer(Set<String> committed, @Nullable String absenceUnproven) {}

  /**
   * The check-back's source as {@code settings} choose it: the business database (checked to hold
   * {@code t_msg_order}), an HTTP endpoint, or null for no check-back.
   *
   * @param checkBackDataSource the business database, read-only; required with {@code
   *     source=database}, else unused (may be null)
   * @throws dev.outboxrelay.config.InvalidSettingException with {@code source=database} and no
   *     {@code checkBackDataSource}
   */
  static @Nullable CheckBackSource of(
      RelaySettings.CheckBack settings, @Nullable DataSource checkBackDataSource) {
    switch (settings.source()) {
      case DATABASE:
        if (checkBackDataSource == null) {
          throw new dev.outboxrelay.config.InvalidSettingException(
              "outbox.relay.check-back.datasource.url",
              "must be set with outbox.relay.check-back.source=database: the business database"
                  + " that holds t_msg_order");
        }
        OutboxSchema.checkBusinessTables(checkBackDataSource);
        return new DatabaseCheckBack(checkBackDataSource);
      case HTTP:
        return new HttpCheckBack(
            java.util.Objects.requireNonNull(settings.url()), settings.requestTimeout());
      default:
        return null;
    }
  }
}
