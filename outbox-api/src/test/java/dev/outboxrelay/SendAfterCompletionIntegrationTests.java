package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code send} called after the surrounding transaction committed: from a
 * {@code @TransactionalEventListener(AFTER_COMMIT)} (issue 8, kind 1; "Field round 3", kind 2) and
 * from a {@code TransactionSynchronization}'s own {@code afterCommit()}, with pools whose
 * connections start with auto-commit on and off. Such a message is written and committed on the
 * completed transaction's own connection: no second connection of the pool (under load a second one
 * ran the pool dry, and Spring swallowed the failures: orders committed without their messages),
 * and never left on a connection that commits nothing more.
 */
class SendAfterCompletionIntegrationTests {
  /** The pool's wait for a connection: short, so that a pool run dry shows at once. */
  private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);

  private TestDatabase database;
  private HikariDataSource pool;
  private AnnotationConfigApplicationContext context;

  record OrderPlaced(String orderId) {}

  /** Sends "order placed" for each committed order, after the commit, as services do. */
  static class OrderEvents {
    private final Outbox outbox;
    final List<Long> sent = Collections.synchronizedList(new ArrayList<>());

    /** What Spring would only log: an after-completion listener's exceptions are swallowed. */
    final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

    volatile boolean alsoAfterCompletion = true;

    OrderEvents(Outbox outbox) {
      this.outbox = outbox;
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT)
    void afterCommit(OrderPlaced event) {
      send("commit-" + event.orderId());
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMPLETION)
    void afterCompletion(OrderPlaced event) {
      if (alsoAfterCompletion) {
        send("completion-" + event.orderId());
      }
    }

    private void send(String ref) {
      try {
        sent.add(outbox.send(message(ref)));
      } catch (RuntimeException e) {
        failures.add(e);
        throw e;
      }
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableTransactionManagement
  @EnableOutbox
  static class Service {
    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }

    @Bean
    OrderEvents orderEvents(Outbox outbox) {
      return new OrderEvents(outbox);
    }
  }

  /** Starts the service on a pool of {@code size} connections, auto-commit as given. */
  private void start(int size, boolean autoCommit) {
    database = TestServers.database().createDatabase("after_commit");
    database.runScript(OutboxFixture.SCHEMA);
    new JdbcTemplate(database.dataSource())
        .execute("CREATE TABLE t_order (id VARCHAR(64) PRIMARY KEY) ENGINE = InnoDB");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(database.jdbcUrl());
    config.setUsername(TestServers.database().username());
    config.setPassword(TestServers.database().password());
    config.setAutoCommit(autoCommit); // off as JPA setups often configure it
    config.setMaximumPoolSize(size);
    config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    pool = new HikariDataSource(config);
    context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, () -> pool);
    context.register(Service.class);
    context.refresh();
  }

  @AfterEach
  void stop() {
    if (context != null) {
      context.close();
      pool.close();
      database.close();
    }
  }

  private static OutboxMessage message(String ref) {
    return OutboxMessage.builder("orders").key("k").payload("{}").reference(1, ref).build();
  }

  private TransactionTemplate transaction() {
    return new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
  }

  /** Read on another pool: only committed rows are there. */
  private List<String> committedRefs() {
    return new JdbcTemplate(database.dataSource())
        .queryForList("SELECT ref_id FROM t_msg ORDER BY ref_id", String.class);
  }

  @ParameterizedTest(name = "auto-commit {0}")
  @ValueSource(booleans = {true, false})
  void messagesSentFromTransactionalEventListenersAreCommitted(boolean autoCommit) {
    start(4, autoCommit);
    ApplicationEventPublisher events = context;

    transaction().executeWithoutResult(status -> events.publishEvent(new OrderPlaced("42")));

    OrderEvents orderEvents = context.getBean(OrderEvents.class);
    assertThat(orderEvents.failures).isEmpty();
    assertThat(orderEvents.sent).hasSize(2);
    assertThat(committedRefs()).containsExactly("commit-42", "completion-42");
    assertThat(
            new JdbcTemplate(database.dataSource())
                .queryForObject("SELECT COUNT(*) FROM t_msg_order", Integer.class))
        .isEqualTo(2);
  }

  @ParameterizedTest(name = "auto-commit {0}")
  @ValueSource(booleans = {true, false})
  void messagesSentFromAnAfterCommitCallbackAreCommitted(boolean autoCommit) {
    start(4, autoCommit);
    Outbox outbox = context.getBean(Outbox.class);

    // alone in its transaction, and after a send inside the transaction (the outbox's own
    // synchronization then exists and has seen the commit coming)
    transaction()
        .executeWithoutResult(
            tx -> TransactionSynchronizationManager.registerSynchronization(after(outbox, "a")));
    transaction()
        .executeWithoutResult(
            tx -> {
              outbox.send(message("inside-b"));
              TransactionSynchronizationManager.registerSynchronization(after(outbox, "b"));
            });

    assertThat(committedRefs()).containsExactly("after-commit-a", "after-commit-b", "inside-b");
  }

  /**
   * What a listener wrote itself on the completed transaction's connection before a send that
   * failed is not the outbox's to discard; after a send that worked it is committed with it.
   */
  @ParameterizedTest(name = "auto-commit {0}")
  @ValueSource(booleans = {true, false})
  void theListenersOwnWritesAreKeptWhenItsSendFails(boolean autoCommit) {
    start(1, autoCommit);
    Outbox outbox = context.getBean(Outbox.class);
    JdbcTemplate jdbc = new JdbcTemplate(pool); // joins the bound connection
    transaction().executeWithoutResult(tx -> outbox.send(message("taken")));
    RuntimeException[] thrown = new RuntimeException[1];

    transaction()
        .executeWithoutResult(
            tx ->
                TransactionSynchronizationManager.registerSynchronization(
                    new TransactionSynchronization() {
                      @Override
                      public void afterCompletion(int status) {
                        jdbc.update("INSERT INTO t_order (id) VALUES ('audit-1')");
                        try {
                          outbox.send(message("taken"));
                        } catch (RuntimeException e) {
                          thrown[0] = e;
                        }
                        jdbc.update("INSERT INTO t_order (id) VALUES ('audit-2')");
                        outbox.send(message("fresh"));
                      }
                    }));

    assertThat(thrown[0]).isInstanceOf(DuplicateMessageReferenceException.class);
    assertThat(
            new JdbcTemplate(database.dataSource())
                .queryForList("SELECT id FROM t_order ORDER BY id", String.class))
        .containsExactly("audit-1", "audit-2");
    assertThat(committedRefs()).containsExactly("fresh", "taken");
  }

  private static TransactionSynchronization after(Outbox outbox, String name) {
    return new TransactionSynchronization() {
      @Override
      public void afterCommit() {
        outbox.send(message("after-commit-" + name));
      }
    };
  }

  /**
   * The reported case: Boot's default pool (10), 20 threads placing orders whose messages an
   * AFTER_COMMIT listener sends. Every committed order has its message, no send failed, and no call
   * waited for a connection.
   */
  @ParameterizedTest(name = "auto-commit {0}")
  @ValueSource(booleans = {true, false})
  void underLoadEveryCommittedOrderHasItsMessage(boolean autoCommit) throws Exception {
    start(10, autoCommit);
    OrderEvents orderEvents = context.getBean(OrderEvents.class);
    orderEvents.alsoAfterCompletion = false;
    TransactionTemplate transaction = transaction();
    JdbcTemplate jdbc = new JdbcTemplate(pool); // joins the transaction
    ApplicationEventPublisher events = context;
    AtomicInteger next = new AtomicInteger();
    AtomicLong slowestNanos = new AtomicLong();
    ExecutorService threads = Executors.newFixedThreadPool(20);
    List<Future<?>> placing = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      placing.add(
          threads.submit(
              () -> {
                int n;
                while ((n = next.incrementAndGet()) <= 1_000) {
                  String orderId = "o" + n;
                  long started = System.nanoTime();
                  transaction.executeWithoutResult(
                      tx -> {
                        jdbc.update("INSERT INTO t_order (id) VALUES (?)", orderId);
                        events.publishEvent(new OrderPlaced(orderId));
                      });
                  slowestNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
                }
                return null;
              }));
    }
    threads.shutdown();
    for (Future<?> future : placing) {
      future.get(2, TimeUnit.MINUTES); // no business call failed
    }

    assertThat(orderEvents.failures).isEmpty();
    JdbcTemplate committed = new JdbcTemplate(database.dataSource());
    assertThat(committed.queryForObject("SELECT COUNT(*) FROM t_order", Integer.class))
        .isEqualTo(1_000);
    assertThat(
            committed.queryForObject(
                "SELECT COUNT(*) FROM t_order o"
                    + " WHERE NOT EXISTS (SELECT 1 FROM t_msg m"
                    + " WHERE m.ref_id = CONCAT('commit-', o.id))",
                Integer.class))
        .as("orders committed without their message")
        .isZero();
    assertThat(committed.queryForObject("SELECT COUNT(*) FROM t_msg", Integer.class))
        .isEqualTo(1_000);
    assertThat(Duration.ofNanos(slowestNanos.get()))
        .as("slowest business call: none waited for a pool connection")
        .isLessThan(CONNECTION_TIMEOUT);
  }
}
