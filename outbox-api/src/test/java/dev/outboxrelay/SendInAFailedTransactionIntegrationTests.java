package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.UnexpectedRollbackException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 8, kind 1, on the real server: three transactions send the same reference; the first holds
 * it, then rolls back. InnoDB makes one of the two waiting transactions a deadlock victim and rolls
 * it back, which Spring does not know. A caller that catches the exception and carries on used to
 * commit the rows it wrote after {@code send} alone (those before were gone). Now the victim's
 * transaction is marked rollback-only: nothing of it commits, and it says so.
 */
class SendInAFailedTransactionIntegrationTests {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private OutboxFixture fixture;
  private Outbox outbox;
  private TransactionTemplate transaction;

  @BeforeEach
  void start() {
    fixture = new OutboxFixture(OutboxSettings.builder());
    outbox = fixture.bean(Outbox.class);
    transaction = new TransactionTemplate(fixture.bean(PlatformTransactionManager.class));
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private OutboxMessage message() {
    return OutboxMessage.builder(fixture.topic).key("k").payload("{}").reference(1, "x").build();
  }

  /** A business transaction that writes a row, sends, swallows what send throws, writes again. */
  private String carryOn(int user, CountDownLatch sending) {
    try {
      return transaction.execute(
          status -> {
            fixture.jdbc.update("INSERT INTO t_user (id, name) VALUES (?, 'before')", user);
            sending.countDown();
            String outcome;
            try {
              outbox.send(message());
              outcome = "sent";
            } catch (DuplicateMessageReferenceException e) {
              outcome = "duplicate";
            } catch (PessimisticLockingFailureException e) {
              outcome = "lock: " + e.getMessage();
            }
            fixture.jdbc.update("INSERT INTO t_user (id, name) VALUES (?, 'after')", user + 100);
            return outcome;
          });
    } catch (UnexpectedRollbackException e) {
      return "rolled back";
    }
  }

  @Test
  void aDeadlockVictimsTransactionCommitsNothingAndSaysItIsGone() throws Exception {
    CountDownLatch firstHolds = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> first =
        CompletableFuture.runAsync(
            () ->
                transaction.executeWithoutResult(
                    status -> {
                      outbox.send(message());
                      firstHolds.countDown();
                      try {
                        release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      status.setRollbackOnly();
                    }));
    assertThat(firstHolds.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    CountDownLatch sending = new CountDownLatch(2);
    CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> carryOn(2, sending));
    CompletableFuture<String> third = CompletableFuture.supplyAsync(() -> carryOn(3, sending));
    assertThat(sending.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    // both wait on the first one's row now; then it rolls back
    awaitLockWaits(2);
    release.countDown();
    first.get(BOUND.toSeconds(), TimeUnit.SECONDS);

    List<String> outcomes = new ArrayList<>();
    outcomes.add(second.get(BOUND.toSeconds(), TimeUnit.SECONDS));
    outcomes.add(third.get(BOUND.toSeconds(), TimeUnit.SECONDS));

    // one sent and committed everything; the other was the victim and committed nothing
    assertThat(outcomes).containsExactlyInAnyOrder("sent", "rolled back");
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg")).isEqualTo(1);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_user")).isEqualTo(2);
    int winner = fixture.count("SELECT MIN(id) FROM t_user");
    assertThat(
            fixture.count("SELECT COUNT(*) FROM t_user WHERE id IN (?, ?)", winner, winner + 100))
        .isEqualTo(2);
  }

  private void awaitLockWaits(int waiting) {
    await()
        .atMost(BOUND)
        .until(
            () ->
                fixture.count(
                        "SELECT COUNT(*) FROM information_schema.innodb_trx"
                            + " WHERE trx_state = 'LOCK WAIT'")
                    >= waiting);
  }
}
