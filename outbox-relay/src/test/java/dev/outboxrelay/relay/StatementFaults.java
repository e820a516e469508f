package dev.outboxrelay.relay;

import dev.outboxrelay.testsupport.Delegation;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that runs a hook before each prepared statement the relay executes, with the
 * statement's SQL and parameters: the hook may throw what the server would (a deadlock), or block
 * as a process that froze would. It wraps the real pool of the real server; nothing else changes.
 */
final class StatementFaults {
  private static final Set<String> EXECUTE =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "executeBatch");

  /** Runs before a statement is sent to the server. */
  @FunctionalInterface
  interface Hook {
    void beforeExecute(String sql, List<Object> parameters) throws SQLException;
  }

  private StatementFaults() {}

  /** The SQLException MySQL and MariaDB send to the victim of an InnoDB deadlock. */
  static SQLException deadlock() {
    return new SQLException(
        "Deadlock found when trying to get lock; try restarting transaction", "40001", 1213);
  }

  /** Whether {@code sql} is the statement that marks acknowledged rows SENT. */
  static boolean marksSent(String sql) {
    return sql.stripLeading().startsWith("UPDATE t_msg SET status = 1");
  }

  static DataSource wrap(DataSource target, Hook hook) {
    return proxy(
        DataSource.class,
        (proxy, method, args) -> {
          Object result = Delegation.invoke(target, method, args);
          return result instanceof Connection connection ? connection(connection, hook) : result;
        });
  }

  private static Connection connection(Connection target, Hook hook) {
    return proxy(
        Connection.class,
        (proxy, method, args) -> {
          Object result = Delegation.invoke(target, method, args);
          if (result instanceof PreparedStatement statement && args[0] instanceof String sql) {
            return statement(statement, sql, hook);
          }
          return result;
        });
  }

  private static PreparedStatement statement(PreparedStatement target, String sql, Hook hook) {
    TreeMap<Integer, Object> parameters = new TreeMap<>();
    return proxy(
        PreparedStatement.class,
        (proxy, method, args) -> {
          String name = method.getName();
          if (name.startsWith("set")
              && args != null
              && args.length >= 2
              && args[0] instanceof Integer index) {
            parameters.put(index, args[1]);
          } else if (name.equals("clearParameters")) {
            parameters.clear();
          } else if (EXECUTE.contains(name) && (args == null || args.length == 0)) {
            hook.beforeExecute(sql, new ArrayList<>(parameters.values()));
          }
          return Delegation.invoke(target, method, args);
        });
  }

  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return type.cast(
        Proxy.newProxyInstance(
            StatementFaults.class.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
