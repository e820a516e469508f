package dev.outboxrelay.bench;

import com.mysql.cj.MysqlConnection;
import com.mysql.cj.Query;
import com.mysql.cj.conf.PropertyKey;
import com.mysql.cj.interceptors.QueryInterceptor;
import com.mysql.cj.log.Log;
import com.mysql.cj.protocol.Resultset;
import com.mysql.cj.protocol.ServerSession;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Counts the statements one thread sends to each database, {@code COMMIT} and {@code SET
 * autocommit} included: each is a round trip to the server. A Connector/J query interceptor, set on
 * a pool with {@link #DRIVER_PROPERTIES}; it counts nothing until {@link #count} names a thread,
 * and nothing of other threads (the fast path's).
 */
public final class StatementCounter implements QueryInterceptor {
  /** The Connector/J property that installs this counter on a pool's connections. */
  static final Map<String, String> DRIVER_PROPERTIES =
      Map.of("queryInterceptors", StatementCounter.class.getName());

  private static final Map<String, AtomicLong> BY_DATABASE = new ConcurrentHashMap<>();
  private static volatile Thread counted;

  private String database = "";

  /** Connector/J creates one per connection. */
  public StatementCounter() {}

  /** Counts the statements of {@code thread} from now on; null to stop. */
  static void count(Thread thread) {
    counted = thread;
  }

  /** The statements counted so far that went to {@code database}. */
  static long statements(String database) {
    AtomicLong count = BY_DATABASE.get(database);
    return count == null ? 0 : count.get();
  }

  @Override
  public QueryInterceptor init(MysqlConnection conn, Properties props, Log log) {
    String name = props.getProperty(PropertyKey.DBNAME.getKeyName());
    database = name == null ? "" : name;
    return this;
  }

  @Override
  public <T extends Resultset> T preProcess(Supplier<String> sql, Query interceptedQuery) {
    if (Thread.currentThread() == counted) {
      BY_DATABASE.computeIfAbsent(database, name -> new AtomicLong()).incrementAndGet();
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
