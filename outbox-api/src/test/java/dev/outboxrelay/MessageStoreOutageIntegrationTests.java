package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestServers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.UnexpectedRollbackException;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Message-store mode with the message database on a server of its own, which goes down: during
 * prepare the business call fails cleanly and leaves nothing behind (approach 4's known cost);
 * after the commit the business call succeeds and the message stays PREPARED for the check-back.
 */
class MessageStoreOutageIntegrationTests {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final DatabaseServer messageServer = TestServers.secondDatabase();
  private OutboxFixture fixture;
  private UserService users;
  private TransactionTemplate transaction;

  @BeforeEach
  void start() {
    fixture =
        new OutboxFixture(
            OutboxSettings.builder().mode(OutboxSettings.Mode.MESSAGE_STORE),
            messageServer.createDatabase("outbox_messages"),
            UserService.class);
    users = fixture.bean(UserService.class);
    transaction = new TransactionTemplate(fixture.bean(PlatformTransactionManager.class));
  }

  @AfterEach
  void stop() {
    if (!messageServer.isRunning()) {
      messageServer.start();
    }
    fixture.close();
  }

  /**
   * A number from the message database, once its pool's connections broken by the restart are
   * replaced.
   */
  private int messagesAfterRestart(String sql) {
    return await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> fixture.messages.queryForObject(sql, Integer.class), n -> true);
  }

  @Test
  void messageDatabaseDownDuringPrepareFailsTheBusinessCallAndLeavesNothingBehind() {
    messageServer.stop();

    assertThatThrownBy(() -> users.register(1, "Tom"))
        .isInstanceOf(TransactionSystemException.class)
        .hasMessageContaining("the message store could not prepare the message")
        .hasMessageContaining("rollback-only");
    // a caller that swallows the failure cannot commit the business change without its message
    assertThatThrownBy(
            () ->
                transaction.executeWithoutResult(
                    tx -> {
                      try {
                        users.register(2, "Li Si");
                      } catch (TransactionSystemException swallowed) {
                        // the business change would go on without its message
                      }
                    }))
        .isInstanceOf(UnexpectedRollbackException.class);

    messageServer.start();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isZero();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order")).isZero();
    assertThat(messagesAfterRestart("SELECT COUNT(*) FROM t_msg")).isZero();
    // and the outbox works again once the message database is back (the pool's connections
    // broken by the restart fail a first call each, which writes nothing)
    long id =
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .until(() -> users.register(3, "Wang Wu"), i -> true);
    assertThat(fixture.status(id)).isEqualTo(MessageStatus.PENDING.code());
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isEqualTo(1);
  }

  @Test
  void messageDatabaseDownAfterTheCommitNeverFailsTheBusinessCallAndLeavesTheMessagePrepared() {
    long id =
        transaction.execute(
            tx -> {
              long messageId = users.register(1, "Tom");
              // runs after the commit and before the outbox's confirmation (afterCompletion)
              TransactionSynchronizationManager.registerSynchronization(
                  new TransactionSynchronization() {
                    @Override
                    public void afterCommit() {
                      messageServer.stop();
                    }
                  });
              return messageId;
            });

    messageServer.start();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isEqualTo(1);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order")).isEqualTo(1);
    // not confirmed, not lost: the relay's check-back finds t_msg_order and confirms it
    assertThat(messagesAfterRestart("SELECT status FROM t_msg WHERE id = " + id))
        .isEqualTo(MessageStatus.PREPARED.code());
  }
}
