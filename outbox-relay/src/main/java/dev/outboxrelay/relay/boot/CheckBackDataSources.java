package dev.outboxrelay.relay.boot;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.SettingChecks;

/** The check-back's read-only pool on the business database. */
final class CheckBackDataSources {
  private static final String PREFIX = "outbox.relay.check-back.datasource";

  private CheckBackDataSources() {}

  /**
   * A Hikari pool of at most 2 read-only connections named {@code outbox-check-back}, its waits
   * (connection, connect, statement) bounded by {@code check-back.request-timeout}; it starts even
   * while the business database is away (the check-back then backs off).
   *
   * @throws InvalidSettingException if the URL is not a Connector/J URL of one server
   */
  static HikariDataSource create(OutboxRelayProperties.CheckBack checkBack) {
    OutboxRelayProperties.CheckBackDataSource properties = checkBack.datasource();
    String url = SettingChecks.blankToNull(properties.url());
    if (url == null || !url.startsWith("jdbc:mysql:")) {
      throw new InvalidSettingException(
          PREFIX + ".url",
          "must be a Connector/J URL such as jdbc:mysql://orders-db:3306/orders (the relay ships"
              + " the MySQL driver only)");
    }
    if (!oneServer(url)) {
      throw new InvalidSettingException(
          PREFIX + ".url",
          "must name one server, the business database's primary (jdbc:mysql://host:port/db),"
              + " not a replication, load-balancing, failover or DNS SRV URL: the check-back"
              + " cancels the messages it does not find, and a replica may not have seen their"
              + " commit yet");
    }
    HikariConfig config = new HikariConfig();
    config.setPoolName("outbox-check-back");
    config.setJdbcUrl(url);
    config.setUsername(properties.username());
    config.setPassword(properties.password());
    config.setReadOnly(true);
    config.setMaximumPoolSize(2);
    config.setMinimumIdle(0);
    config.setInitializationFailTimeout(-1);
    // A business database away or hung is no answer within the request timeout, as an endpoint's.
    long timeout = Math.max(250, checkBack.requestTimeout().toMillis());
    config.setConnectionTimeout(timeout);
    config.addDataSourceProperty("connectTimeout", Long.toString(timeout));
    config.addDataSourceProperty("socketTimeout", Long.toString(timeout));
    return new HikariDataSource(config);
  }

  /**
   * Whether a {@code jdbc:mysql:} URL names one host: plain {@code jdbc:mysql://}, no comma among
   * its hosts. Not {@code jdbc:mysql:replication://} (whose read-only connections, all the
   * check-back's, go to replicas), {@code :loadbalance://}, {@code jdbc:mysql+srv:} or a failover
   * list ({@code host1,host2}, {@code [host1,host2]}), whose other hosts are usually replicas.
   */
  static boolean oneServer(String url) {
    String scheme = "jdbc:mysql://";
    if (!url.startsWith(scheme)) {
      return false;
    }
    // hosts end at the first '/' or '?' outside parentheses; (host=a,port=1) is one host
    int depth = 0;
    for (char c : url.substring(scheme.length()).toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (depth == 0 && (c == '/' || c == '?')) {
        return true;
      } else if (depth == 0 && c == ',') {
        return false;
      }
    }
    return true;
  }
}
