package dev.outboxrelay.boot;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.SettingChecks;

/**
 * The message database's pool (message-store mode) from {@code outbox.message-store.datasource}.
 */
final class MessageStoreDataSource {
  private static final String PREFIX = "outbox.message-store.datasource";

  private MessageStoreDataSource() {}

  /**
   * A Hikari pool named {@code outbox-message-store}. It starts even while the database is away:
   * the business calls then fail in {@code send}, and recover with the database.
   *
   * @throws InvalidSettingException if the URL is not a JDBC URL, or the pool size or a timeout is
   *     out of range
   */
  static HikariDataSource create(OutboxProperties.DataSourceProperties properties) {
    String url = SettingChecks.blankToNull(properties.url());
    if (url == null || !url.startsWith("jdbc:")) {
      throw new InvalidSettingException(
          PREFIX + ".url", "must be a JDBC URL such as jdbc:mysql://host:3306/messages");
    }
    SettingChecks.range(PREFIX + ".maximum-pool-size", properties.maximumPoolSize(), 1, 1000);
    java.time.Duration connectionTimeout =
        SettingChecks.range(
            PREFIX + ".connection-timeout",
            properties.connectionTimeout(),
            java.time.Duration.ofMillis(250),
            java.time.Duration.ofMinutes(5));
    java.time.Duration socketTimeout =
        SettingChecks.range(
            PREFIX + ".socket-timeout",
            properties.socketTimeout(),
            java.time.Duration.ofMillis(100),
            java.time.Duration.ofMinutes(5));
    HikariConfig config = new HikariConfig();
    config.setPoolName("outbox-message-store");
    config.setJdbcUrl(url);
    config.setUsername(properties.username());
    config.setPassword(properties.password());
    config.setMaximumPoolSize(properties.maximumPoolSize());
    config.setInitializationFailTimeout(-1);
    // Every business call of message-store mode waits on this database: bounded waits, so that a
    // database away or hung fails the call instead of holding it (and its business locks).
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.addDataSourceProperty("connectTimeout", Long.toString(connectionTimeout.toMillis()));
    config.addDataSourceProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
    return new HikariDataSource(config);
  }
}
