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
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Message-store mode's decision after the commit needs no second connection from the business pool:
 * with a pool of one connection, the committed message is confirmed at once instead of waiting for
 * a connection that the business transaction itself still holds.
 */
class MessageStorePoolIntegrationTests {
  private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(3);

  @Test
  void theDecisionAfterTheCommitUsesTheBusinessTransactionsOwnConnection() {
    try (TestDatabase business = TestServers.database().createDatabase("pool_business");
        TestDatabase messages = TestServers.database().createDatabase("pool_messages");
        HikariDataSource onePool = pool(business);
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
      business.runScript(OutboxFixture.SCHEMA);
      messages.runScript(OutboxFixture.SCHEMA);
      context.registerBean(DataSource.class, () -> onePool);
      context.registerBean(
          OutboxConfiguration.MESSAGE_DATA_SOURCE,
          DataSource.class,
          messages::dataSource,
          definition -> ((AbstractBeanDefinition) definition).setDefaultCandidate(false));
      context.registerBean(
          OutboxSettings.class,
          () -> OutboxSettings.builder().mode(OutboxSettings.Mode.MESSAGE_STORE).build());
      context.register(OutboxFixture.Infrastructure.class);
      context.refresh();
      Outbox outbox = context.getBean(Outbox.class);
      TransactionTemplate transaction =
          new TransactionTemplate(context.getBean(PlatformTransactionManager.class));

      long started = System.nanoTime();
      long id =
          transaction.execute(
              tx ->
                  outbox.send(
                      OutboxMessage.builder("orders")
                          .payload("p")
                          .reference(1, "one-connection")
                          .build()));
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(
              new JdbcTemplate(messages.dataSource())
                  .queryForObject("SELECT status FROM t_msg WHERE id = ?", Integer.class, id))
          .isEqualTo(MessageStatus.PENDING.code());
      assertThat(took).isLessThan(CONNECTION_TIMEOUT);
    }
  }

  private static HikariDataSource pool(TestDatabase database) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(database.jdbcUrl());
    config.setUsername(database.username());
    config.setPassword(database.password());
    config.setMaximumPoolSize(1);
    config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    return new HikariDataSource(config);
  }
}
