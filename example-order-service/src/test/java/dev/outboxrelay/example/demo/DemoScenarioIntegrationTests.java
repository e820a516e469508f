package dev.outboxrelay.example.demo;

import static org.assertj.core.api.Assertions.assertThat;

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
    DemoOptions options =
        new DemoOptions(
            ORDERS, 4, 100, Duration.ofSeconds(2), true, SEED, Duration.ofSeconds(90), false);
    DemoRun.Result result;
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        DemoRun demo = new DemoRun(options, logs, out)) {
      result = demo.play();
      Summary.print(result, out);
    }
    String report = printed.toString(StandardCharsets.UTF_8);

    assertThat(result.scenariosAsTheArticleSays()).as(report).isTrue();
    assertThat(result.settled()).as(report).isTrue();
    assertThat(result.timeline())
        .as(report)
        .anyMatch(event -> event.contains("Kafka broker stopped"))
        .anyMatch(event -> event.contains("killed (SIGKILL)"))
        .anyMatch(event -> event.contains("ready again"));

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
  }
}
