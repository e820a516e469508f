package dev.outboxrelay.bench;

import com.mysql.cj.MysqlConnection;
import com.mysql.cj.PreparedQuery;
import com.mysql.cj.Query;
import com.mysql.cj.interceptors.QueryInterceptor;
import com.mysql.cj.jdbc.StatementImpl;
import com.mysql.cj.log.Log;
import com.mysql.cj.protocol.Resultset;
import com.mysql.cj.protocol.ServerSession;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Notes the prepared statement with the most parameters executed on a pool's connections, of every
 * thread: a Connector/J query interceptor, set with {@link #DRIVER_PROPERTIES}. It reads the
 * statement's own parameter count (client-side and server-side prepares alike), not the SQL text,
 * which a client-side prepare hands over with its values filled in.
 */
public final class StatementParameters implements QueryInterceptor {
  static final Map<String, String> DRIVER_PROPERTIES =
      Map.of("queryInterceptors", StatementParameters.class.getName());

  private static int most;
  private static String mostSql = "";

  /** Connector/J creates one per connection. */
  public StatementParameters() {}

  /** The most parameters one statement carried so far. */
  static synchronized int most() {
    return most;
  }

  /** The start of that statement's SQL. */
  static synchronized String mostSql() {
    return mostSql;
  }

  private static synchronized void seen(int parameters, String sql) {
    if (parameters > most) {
      most = parameters;
      String oneLine = sql.replaceAll("\\s+", " ").trim();
      mostSql = oneLine.length() > 90 ? oneLine.substring(0, 90) + "…" : oneLine;
    }
  }

  @Override
  public QueryInterceptor init(MysqlConnection conn, Properties props, Log log) {
    return this;
  }

  @Override
  public <T extends Resultset> T preProcess(Supplier<String> sql, Query interceptedQuery) {
    // a JDBC statement (client-side prepares) or the query itself (server-side prepares)
    Query query =
        interceptedQuery instanceof StatementImpl statement
            ? statement.getQuery()
            : interceptedQuery;
    if (query instanceof PreparedQuery prepared) {
      seen(prepared.getParameterCount(), String.valueOf(prepared.getOriginalSql()));
    }
    return null;
  }

  @Override
  public boolean executeTopLevelOnly() {
    return false;
  }

  @Override
  public void destroy() {}

  @Override
  public <T extends Resultset> T postProcess(
      Supplier<String> sql, Query interceptedQuery, T originalResultSet, ServerSession session) {
    return null;
  }
}
