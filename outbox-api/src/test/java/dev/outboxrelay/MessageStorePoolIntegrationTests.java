package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Message-store mode with business pools of particular shapes: one connection (the decision after
 * the commit needs no second one), and connections that start with auto-commit on or off (a message
 * sent while its transaction completes is never confirmed for rows that did not commit).
 */
class MessageStorePoolIntegrationTests {
  private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(3);

  @Test
  void theDecisionAfterTheCommitUsesTheBusinessTransactionsOwnConnection() {
    try (TestDatabase business = TestServers.database().createDatabase("pool_business");
        TestDatabase messages = TestServers.database().createDatabase("pool_messages");
        HikariDataSource onePool = pool(business, 1, true);
        AnnotationConfigApplicationContext context = context(business, onePool, messages)) {
      TransactionTemplate transaction =
          new TransactionTemplate(context.getBean(PlatformTransactionManager.class));

      long started = System.nanoTime();
      long id =
          transaction.execute(tx -> context.getBean(Outbox.class).send(message("one-connection")));
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(status(messages, id)).isEqualTo(MessageStatus.PENDING.code());
      assertThat(took).isLessThan(CONNECTION_TIMEOUT);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aMessageSentFromAnAfterCommitCallbackIsCommittedAndConfirmed(boolean autoCommitPool) {
    try (TestDatabase business = TestServers.database().createDatabase("aftercommit_business");
        TestDatabase messages = TestServers.database().createDatabase("aftercommit_messages");
        HikariDataSource businessPool = pool(business, 4, autoCommitPool);
        AnnotationConfigApplicationContext context = context(business, businessPool, messages)) {
      Outbox outbox = context.getBean(Outbox.class);
      TransactionTemplate transaction =
          new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
      long[] id = new long[2];

      // alone in its transaction, and after a send inside the transaction
      transaction.executeWithoutResult(
          tx -> TransactionSynchronizationManager.registerSynchronization(after(outbox, id, 0)));
      transaction.executeWithoutResult(
          tx -> {
            outbox.send(message("inside"));
            TransactionSynchronizationManager.registerSynchronization(after(outbox, id, 1));
          });

      // Its t_msg_order row went onto a connection that commits nothing more (an auto-commit-off
      // pool rolled it back, and the check-back cancelled the message): the outbox commits it
      // there in afterCompletion, then confirms.
      assertThat(status(messages, id[0])).isEqualTo(MessageStatus.PENDING.code());
      assertThat(status(messages, id[1])).isEqualTo(MessageStatus.PENDING.code());
      assertThat(
              new JdbcTemplate(business.dataSource())
                  .queryForList("SELECT ref_id FROM t_msg_order ORDER BY ref_id", String.class))
          .containsExactly("after-commit-0", "after-commit-1", "inside");
    }
  }

  private static TransactionSynchronization after(Outbox outbox, long[] ids, int index) {
    return new TransactionSynchronization() {
      @Override
      public void afterCommit() {
        ids[index] = outbox.send(message("after-commit-" + index));
      }
    };
  }

  /** A @TransactionalEventListener's place: after the commit, synchronization ended. */
  @Test
  void aMessageSentAfterCompletionUsesTheCompletedTransactionsConnection() {
    try (TestDatabase business = TestServers.database().createDatabase("completion_business");
        TestDatabase messages = TestServers.database().createDatabase("completion_messages");
        HikariDataSource onePool = pool(business, 1, false);
        AnnotationConfigApplicationContext context = context(business, onePool, messages)) {
      Outbox outbox = context.getBean(Outbox.class);
      TransactionTemplate transaction =
          new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
      long[] id = new long[1];

      long started = System.nanoTime();
      transaction.executeWithoutResult(
          tx -> onCompletion(() -> id[0] = outbox.send(message("after-completion"))));
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      // a pool of one connection: a second one would have waited the pool's timeout and failed
      assertThat(took).isLessThan(CONNECTION_TIMEOUT);
      assertThat(status(messages, id[0])).isEqualTo(MessageStatus.PENDING.code());
      assertThat(
              new JdbcTemplate(business.dataSource())
                  .queryForList("SELECT ref_id FROM t_msg_order", String.class))
          .containsExactly("after-completion");
    }
  }

  /** A duplicate reference sent after completion, on a pool of one: cancelled at once. */
  @Test
  void aDuplicateSentAfterCompletionIsCancelledWithoutASecondConnection() {
    try (TestDatabase business = TestServers.database().createDatabase("dup_business");
        TestDatabase messages = TestServers.database().createDatabase("dup_messages");
        HikariDataSource onePool = pool(business, 1, false);
        AnnotationConfigApplicationContext context = context(business, onePool, messages)) {
      Outbox outbox = context.getBean(Outbox.class);
      TransactionTemplate transaction =
          new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
      transaction.executeWithoutResult(tx -> outbox.send(message("dup")));
      RuntimeException[] thrown = new RuntimeException[1];

      transaction.executeWithoutResult(
          tx ->
              onCompletion(
                  () -> {
                    try {
                      outbox.send(message("dup"));
                    } catch (RuntimeException e) {
                      thrown[0] = e;
                    }
                  }));

      assertThat(thrown[0]).isInstanceOf(DuplicateMessageReferenceException.class);
      assertThat(
              new JdbcTemplate(messages.dataSource())
                  .queryForList("SELECT status FROM t_msg ORDER BY id", Integer.class))
          .containsExactly(MessageStatus.PENDING.code(), MessageStatus.CANCELLED.code());
    }
  }

  /** Runs {@code callback} in the current transaction's afterCompletion, as a listener would. */
  private static void onCompletion(Runnable callback) {
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCompletion(int status) {
            callback.run();
          }
        });
  }

  private static OutboxMessage message(String refId) {
    return OutboxMessage.builder("orders").payload("p").reference(1, refId).build();
  }

  private static int status(TestDatabase messages, long id) {
    return new JdbcTemplate(messages.dataSource())
        .queryForObject("SELECT status FROM t_msg WHERE id = ?", Integer.class, id);
  }

  /**
   * Message-store mode on {@code businessPool} (a pool of {@code business}) and {@code messages}.
   */
  private static AnnotationConfigApplicationContext context(
      TestDatabase business, DataSource businessPool, TestDatabase messages) {
    business.runScript(OutboxFixture.SCHEMA);
    messages.runScript(OutboxFixture.SCHEMA);
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, () -> businessPool);
    context.registerBean(
        OutboxConfiguration.MESSAGE_DATA_SOURCE,
        DataSource.class,
        messages::dataSource,
        definition -> ((AbstractBeanDefinition) definition).setDefaultCandidate(false));
    context.registerBean(
        OutboxSettings.class,
        () -> OutboxSettings.builder().mode(OutboxSettings.Mode.MESSAGE_STORE).build());
    context.register(OutboxFixture.Infrastructure.class, OutboxFixture.MessageStoreMode.class);
    context.refresh();
    return context;
  }

  private static HikariDataSource pool(TestDatabase database, int size, boolean autoCommit) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(database.jdbcUrl());
    config.setUsername(database.username());
    config.setPassword(database.password());
    config.setMaximumPoolSize(size);
    config.setAutoCommit(autoCommit);
    config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    return new HikariDataSource(config);
  }
}
