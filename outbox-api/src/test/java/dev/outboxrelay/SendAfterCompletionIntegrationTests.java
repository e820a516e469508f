package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 8, kind 1: {@code send} called while the surrounding transaction completes — from a
 * {@code @TransactionalEventListener} after the commit — with a pool of {@code autoCommit=false}
 * connections (common with JPA). It returned an id and threw nothing, and no row was ever
 * committed. It now writes in a transaction of its own, which commits.
 */
class SendAfterCompletionIntegrationTests {
  private TestDatabase database;
  private HikariDataSource manualCommitPool;
  private AnnotationConfigApplicationContext context;

  record OrderPlaced(String orderId) {}

  /** Sends "order placed" for each committed order, after the commit, as services do. */
  static class OrderEvents {
    private final Outbox outbox;
    final List<Long> sent = Collections.synchronizedList(new ArrayList<>());

    OrderEvents(Outbox outbox) {
      this.outbox = outbox;
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT)
    void afterCommit(OrderPlaced event) {
      sent.add(send("commit-" + event.orderId()));
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMPLETION)
    void afterCompletion(OrderPlaced event) {
      sent.add(send("completion-" + event.orderId()));
    }

    private long send(String ref) {
      return outbox.send(
          OutboxMessage.builder("orders").key("k").payload("{}").reference(1, ref).build());
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

  @BeforeEach
  void start() {
    database = TestServers.database().createDatabase("after_commit");
    database.runScript(OutboxFixture.SCHEMA);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(database.jdbcUrl());
    config.setUsername(TestServers.database().username());
    config.setPassword(TestServers.database().password());
    config.setAutoCommit(false); // as JPA setups often configure it
    config.setMaximumPoolSize(4);
    manualCommitPool = new HikariDataSource(config);
    context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, () -> manualCommitPool);
    context.register(Service.class);
    context.refresh();
  }

  @AfterEach
  void stop() {
    context.close();
    manualCommitPool.close();
    database.close();
  }

  @Test
  void messagesSentAfterTheCommitAreCommittedToo() {
    TransactionTemplate transaction =
        new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
    ApplicationEventPublisher events = context;

    transaction.executeWithoutResult(status -> events.publishEvent(new OrderPlaced("42")));

    OrderEvents orderEvents = context.getBean(OrderEvents.class);
    assertThat(orderEvents.sent).hasSize(2);
    // read on another pool: only committed rows are there
    JdbcTemplate committed = new JdbcTemplate(database.dataSource());
    assertThat(committed.queryForList("SELECT ref_id FROM t_msg ORDER BY ref_id", String.class))
        .containsExactly("commit-42", "completion-42");
    assertThat(committed.queryForObject("SELECT COUNT(*) FROM t_msg_order", Integer.class))
        .isEqualTo(2);
  }
}
