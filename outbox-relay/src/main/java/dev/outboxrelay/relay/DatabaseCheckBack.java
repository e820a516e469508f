package dev.outboxrelay.relay;

import dev.outboxrelay.internal.MessageStoreDecisions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Asks the business database itself, through a read-only connection: {@code t_msg_order}. On the
 * same connection, after that read, it asks the server whether it is the primary ({@link
 * PrimaryServer}): a replica that lags, or whose replication stopped, has not seen every commit, so
 * its not finding an id proves nothing.
 */
final class DatabaseCheckBack implements CheckBackSource {
  private final DataSource business;

  DatabaseCheckBack(DataSource businessDataSource) {
    this.business = businessDataSource;
  }

  @Override
  public Answer ask(List<String> busMsgIds) {
    try (Connection connection = business.getConnection()) {
      Set<String> found =
          new MessageStoreDecisions(new SingleConnectionDataSource(connection, true))
              .recordedBusMsgIds(busMsgIds);
      // After the read: a server that is the primary now was the primary while it read.
      return new Answer(found, PrimaryServer.whyNotProven(connection));
    } catch (SQLException e) {
      throw new CannotGetJdbcConnectionException("the business database did not answer", e);
    }
  }

  @Override
  public String describe() {
    return "the business database";
  }
}
