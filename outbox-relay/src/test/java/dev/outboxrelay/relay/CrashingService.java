package dev.outboxrelay.relay;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outboxrelay.EnableOutbox;
import dev.outboxrelay.MessageStoreOutbox;
import dev.outboxrelay.OutboxConfiguration;
import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.PreparedMessage;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A business service in message-store mode, run as a process of its own by {@link
 * MessageStoreCrashIntegrationTests}: it registers one user, sending its message, and stops at
 * {@link Point}, printing {@code AT <point>}, until the test kills it with SIGKILL.
 *
 * <p>Arguments: point, business JDBC URL, message JDBC URL, user, password, topic, user id.
 */
public final class CrashingService {

  /** Where the process waits to be killed. */
  enum Point {
    /** Approach 4: inside the business transaction, the message PREPARED, nothing committed. */
    AFTER_PREPARE,
    /** Approach 5: the message PREPARED before the business transaction began. */
    BEFORE_TRANSACTION,
    /** Approach 4: the business transaction committed, the message not yet confirmed. */
    AFTER_COMMIT,
    /** Approach 5: the business transaction committed, the message not yet confirmed. */
    AFTER_COMMIT_APPROACH_5,
    /** Rolling back: the transaction is rollback-only, the database has not rolled it back yet. */
    DURING_ROLLBACK,
    /** Rolled back in the database, the message not yet cancelled. */
    AFTER_ROLLBACK
  }

  private CrashingService() {}

  public static void main(String[] args) {
    Point point = Point.valueOf(args[0]);
    HikariDataSource business = pool(args[1], args[3], args[4]);
    HikariDataSource messages = pool(args[2], args[3], args[4]);
    String topic = args[5];
    long userId = Long.parseLong(args[6]);
    AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    context.registerBean(DataSource.class, () -> business);
    context.registerBean(
        OutboxConfiguration.MESSAGE_DATA_SOURCE,
        DataSource.class,
        () -> messages,
        definition -> ((AbstractBeanDefinition) definition).setDefaultCandidate(false));
    context.registerBean(
        OutboxSettings.class,
        () -> OutboxSettings.builder().mode(OutboxSettings.Mode.MESSAGE_STORE).build());
    context.register(Infrastructure.class);
    context.refresh();
    MessageStoreOutbox outbox = context.getBean(MessageStoreOutbox.class);
    JdbcTemplate jdbc = new JdbcTemplate(business);
    TransactionTemplate transaction =
        new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
    OutboxMessage message =
        OutboxMessage.builder(topic)
            .key("user-" + userId)
            .payload("registered " + userId)
            .reference(1, "user-" + userId)
            .build();

    switch (point) {
      case BEFORE_TRANSACTION -> {
        outbox.prepare(message);
        stopHere(point);
      }
      case AFTER_COMMIT_APPROACH_5 -> {
        PreparedMessage prepared = outbox.prepare(message);
        transaction.executeWithoutResult(
            tx -> {
              register(jdbc, userId);
              outbox.enlist(prepared);
              stopAfterCommit(point);
            });
      }
      default ->
          transaction.executeWithoutResult(
              tx -> {
                register(jdbc, userId);
                outbox.send(message);
                switch (point) {
                  case AFTER_PREPARE -> stopHere(point);
                  case AFTER_COMMIT -> stopAfterCommit(point);
                  case DURING_ROLLBACK -> {
                    tx.setRollbackOnly();
                    TransactionSynchronizationManager.registerSynchronization(
                        new TransactionSynchronization() {
                          @Override
                          public void beforeCompletion() {
                            stopHere(point); // before the database rolls back
                          }
                        });
                  }
                  case AFTER_ROLLBACK -> {
                    tx.setRollbackOnly();
                    TransactionSynchronizationManager.registerSynchronization(
                        new TransactionSynchronization() {
                          @Override
                          public int getOrder() {
                            return Ordered.HIGHEST_PRECEDENCE; // before the outbox's cancel
                          }

                          @Override
                          public void afterCompletion(int status) {
                            stopHere(point);
                          }
                        });
                  }
                  default -> throw new IllegalArgumentException("unhandled " + point);
                }
              });
    }
    throw new IllegalStateException("not stopped at " + point);
  }

  private static void register(JdbcTemplate jdbc, long userId) {
    jdbc.update("INSERT INTO t_user (id, name) VALUES (?, ?)", userId, "user " + userId);
  }

  /** After the commit, before any afterCompletion callback (the outbox's confirmation). */
  private static void stopAfterCommit(Point point) {
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            stopHere(point);
          }
        });
  }

  private static void stopHere(Point point) {
    System.out.println("AT " + point);
    System.out.flush();
    try {
      new CountDownLatch(1).await(); // until SIGKILL
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("woke up at " + point);
  }

  private static HikariDataSource pool(String url, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(4);
    return new HikariDataSource(config);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableOutbox(mode = OutboxSettings.Mode.MESSAGE_STORE)
  static class Infrastructure {
    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }
  }
}
