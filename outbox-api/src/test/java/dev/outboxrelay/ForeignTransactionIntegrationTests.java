package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A transaction that does not manage the outbox's business DataSource (another database's, here)
 * cannot carry a message: its rows would commit on their own, whatever that transaction does.
 * {@code send} and {@code enlist} refuse, before writing anything, in both modes.
 */
class ForeignTransactionIntegrationTests {

  @ParameterizedTest
  @EnumSource(OutboxSettings.Mode.class)
  void sendInATransactionOfAnotherDataSourceIsRefusedAndWritesNothing(OutboxSettings.Mode mode) {
    try (OutboxFixture fixture =
            mode == OutboxSettings.Mode.SAME_DATABASE
                ? new OutboxFixture(OutboxSettings.builder())
                : OutboxFixture.messageStore(OutboxSettings.builder());
        TestDatabase other = TestServers.database().createDatabase("other")) {
      TransactionTemplate foreign =
          new TransactionTemplate(new DataSourceTransactionManager(other.dataSource()));
      Outbox outbox = fixture.bean(Outbox.class);
      OutboxMessage message =
          OutboxMessage.builder(fixture.topic).payload("p").reference(1, "foreign-1").build();

      assertThatThrownBy(
              () ->
                  foreign.executeWithoutResult(
                      tx -> {
                        outbox.send(message);
                        tx.setRollbackOnly();
                      }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("does not manage the outbox's DataSource");
      if (mode == OutboxSettings.Mode.MESSAGE_STORE) {
        MessageStoreOutbox messageStore = fixture.bean(MessageStoreOutbox.class);
        PreparedMessage prepared = messageStore.prepare(message);
        assertThatThrownBy(() -> foreign.executeWithoutResult(tx -> messageStore.enlist(prepared)))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("does not manage the outbox's DataSource");
      }

      assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order")).isZero();
      assertThat(
              fixture.messages.queryForObject(
                  "SELECT COUNT(*) FROM t_msg WHERE status <> 4", Integer.class))
          .isZero();
    }
  }
}
