package dev.outboxrelay.example.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.example.orders.Fault;
import dev.outboxrelay.example.orders.Publishing;
import dev.outboxrelay.testsupport.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's scenario, small: the article's scenarios, then 300 orders per stack over HTTP with
 * injected failures, a Kafka outage and a relay replica killed with SIGKILL. The outbox's books
 * balance; approaches 1 and 2 show their ghosts and lost events.
 */
class DemoScenarioIntegrationTests {
  private static final int ORDERS = 300;
  private static final long SEED = 7;

  @TempDir Path logs;

  @AfterEach
  void kafkaBack() {
    if (!TestServers.kafka().isRunning()) {
      TestServers.kafka().start();
    }
  }

  @Test
  void theOutboxsBooksBalanceThroughAnOutageAndARelayCrash() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    DemoRun.Result result = run(OutboxSettings.Mode.SAME_DATABASE, true, printed);
    String report = printed.toString(StandardCharsets.UTF_8);

    assertThat(result.scenariosAsTheArticleSays()).as(report).isTrue();
    assertThat(result.settled()).as(report).isTrue();
    assertThat(result.timeline())
        .as(report)
        .anyMatch(event -> event.contains("Kafka broker stopped"))
        .anyMatch(event -> event.contains("killed (SIGKILL)"))
        .anyMatch(event -> event.contains("ready again"));
    // both replicas ran: replica 1 started again on a port of its own, neither died otherwise
    assertThat(result.relaysRan()).as(report).isTrue();
    assertThat(report).doesNotContain("DID NOT RUN");

    List<ScriptedOrder> script = ScriptedOrder.script(ORDERS, SEED);
    long rolledBack =
        script.stream()
            .filter(o -> o.fault() == Fault.AFTER_SEND || o.fault() == Fault.AT_COMMIT)
            .count();
    long crashedAfterCommit = script.stream().filter(o -> o.fault() == Fault.AFTER_COMMIT).count();
    assertThat(rolledBack).isPositive();
    assertThat(crashedAfterCommit).isPositive();

    Books outbox = result.outbox();
    assertThat(outbox.publishing()).isEqualTo(Publishing.OUTBOX);
    assertThat(outbox.committed()).as(report).isEqualTo(ORDERS - rolledBack);
    assertThat(outbox.kafkaDown()).as(report).isZero();
    assertThat(outbox.creditedOrders()).as(report).isEqualTo(outbox.committed());
    assertThat(outbox.lost()).as(report).isZero();
    assertThat(outbox.ghosts()).as(report).isZero();
    assertThat(outbox.doubleCredits()).as(report).isZero();
    assertThat(outbox.points()).as(report).isEqualTo(outbox.expectedPoints());
    assertThat(outbox.deduplicated()).as(report).isEqualTo(outbox.duplicatesDelivered());
    assertThat(outbox.balanced()).as(report).isTrue();
    assertThat(result.balanced()).as(report).isTrue();

    Books sendInTransaction = result.books().get(1);
    assertThat(sendInTransaction.publishing()).isEqualTo(Publishing.IN_TRANSACTION);
    assertThat(sendInTransaction.ghosts()).as(report).isPositive();
    assertThat(sendInTransaction.balanced()).as(report).isFalse();
    Books sendAfterCommit = result.books().get(2);
    assertThat(sendAfterCommit.publishing()).isEqualTo(Publishing.AFTER_COMMIT);
    assertThat(sendAfterCommit.lost()).as(report).isGreaterThanOrEqualTo(crashedAfterCommit);
    assertThat(sendAfterCommit.ghosts()).as(report).isZero();

    assertThat(report).contains("LOST", "GHOSTS", "books balance");
    assertThat(outbox.cancelledEvents()).isNull();
  }

  /**
   * {@code --mode=message-store}, the outbox stack alone: the article's approach-4 outcomes (the
   * rolled-back scenarios' messages CANCELLED in the message database), and the books balance
   * through the injected failures, the Kafka outage and the relay crash, with the relays on the
   * message database and their check-back on the order service's endpoint.
   */
  @Test
  void messageStoreModeCancelsTheRolledBackAndItsBooksBalance() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    DemoRun.Result result = run(OutboxSettings.Mode.MESSAGE_STORE, false, printed);
    String report = printed.toString(StandardCharsets.UTF_8);

    assertThat(result.mode()).isEqualTo(OutboxSettings.Mode.MESSAGE_STORE);
    assertThat(result.scenariosAsTheArticleSays()).as(report).isTrue();
    assertThat(report)
        .contains("message store, approach 4")
        .contains("registerFail(2, Zhang San)")
        .contains("cancelled: t_msg status 2 in the message database, none on the topic")
        .contains("delivered: confirmed, user-3 read back from Kafka (t_msg SENT)");
    assertThat(result.settled()).as(report).isTrue();
    assertThat(result.timeline())
        .as(report)
        .anyMatch(event -> event.contains("Kafka broker stopped"))
        .anyMatch(event -> event.contains("killed (SIGKILL)"));
    assertThat(result.relaysRan()).as(report).isTrue();

    List<ScriptedOrder> script = ScriptedOrder.script(ORDERS, SEED);
    long rolledBack =
        script.stream()
            .filter(o -> o.fault() == Fault.AFTER_SEND || o.fault() == Fault.AT_COMMIT)
            .count();
    assertThat(result.books()).hasSize(1);
    Books outbox = result.outbox();
    assertThat(outbox.committed()).as(report).isEqualTo(ORDERS - rolledBack);
    assertThat(outbox.cancelledEvents()).as(report).isEqualTo(rolledBack);
    assertThat(outbox.creditedOrders()).as(report).isEqualTo(outbox.committed());
    assertThat(outbox.lost()).as(report).isZero();
    assertThat(outbox.ghosts()).as(report).isZero();
    assertThat(outbox.doubleCredits()).as(report).isZero();
    assertThat(outbox.points()).as(report).isEqualTo(outbox.expectedPoints());
    assertThat(result.balanced()).as(report).isTrue();
    assertThat(report).contains("outbox: message store", "their events CANCELLED");
  }

  private DemoRun.Result run(
      OutboxSettings.Mode mode, boolean compare, ByteArrayOutputStream printed) {
    DemoOptions options =
        new DemoOptions(
            ORDERS,
            4,
            100,
            Duration.ofSeconds(2),
            compare,
            mode,
            SEED,
            Duration.ofSeconds(90),
            false);
    DemoRun.Result result;
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        // topics of its own: both tests' runs share the JVM's broker
        DemoRun demo =
            new DemoRun(options, logs, out, "-" + mode.name().toLowerCase().replace('_', '-'))) {
      result = demo.play();
      Summary.print(result, out);
    }
    return result;
  }
}
