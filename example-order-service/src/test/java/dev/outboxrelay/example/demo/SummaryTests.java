package dev.outboxrelay.example.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.example.orders.Publishing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTests {

  @Test
  void aRelayReplicaThatDidNotRunIsSaidLoudlyUnderTheTable() {
    String printed =
        print(
            List.of(
                "relay replica 1 did not start again after its kill: the relay exited with status"
                    + " 1 at start-up; see /tmp/logs/relay-1-start-3.log"));

    assertThat(printed)
        .contains("!!! A RELAY REPLICA DID NOT RUN AS DESCRIBED")
        .contains("!!! relay replica 1 did not start again after its kill")
        .contains("relay-1-start-3.log");
    // after the table, where it is read with it
    assertThat(printed.indexOf("DID NOT RUN")).isGreaterThan(printed.indexOf("books balance"));
  }

  @Test
  void nothingIsSaidAboutTheRelaysWhenBothRan() {
    assertThat(print(List.of())).doesNotContain("!!!").contains("books balance");
  }

  @Test
  void theOutboxsOutageEventsArePublishedThenCreditedAfterKafkaIsBack() {
    assertThat(print(List.of()))
        .containsPattern("last of them published after Kafka back +0\\.8 s +- +-")
        .containsPattern("last of them credited after Kafka back +1\\.3 s +2\\.0 s +2\\.0 s");
  }

  @Test
  void aLastCreditBeforeKafkaWasBackSaysSo() {
    assertThat(print(List.of(), -15_100.0))
        .containsPattern("last of them credited after Kafka back +1\\.3 s +15\\.1 s before");
  }

  private static String print(List<String> relayFailures) {
    return print(relayFailures, 2_000.0);
  }

  /** With {@code lastCreditMs} for approaches 1 and 2. */
  private static String print(List<String> relayFailures, double lastCreditMs) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    DemoRun.Result result =
        new DemoRun.Result(
            OutboxSettings.Mode.SAME_DATABASE,
            true,
            true,
            Duration.ofSeconds(1),
            true,
            List.of("  14.9 s  Kafka broker stopped"),
            List.of(
                books(Publishing.OUTBOX, 800.0, 1_300.0),
                books(Publishing.IN_TRANSACTION, null, lastCreditMs),
                books(Publishing.AFTER_COMMIT, null, lastCreditMs)),
            relayFailures);
    try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      Summary.print(result, out);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }

  private static Books books(
      Publishing publishing, Double publishedAfterBackMs, double creditedAfterBackMs) {
    Books.Latency latency = new Books.Latency(10, 100.0, 200.0);
    return new Books(
        publishing,
        100,
        95,
        5,
        0,
        0,
        95,
        95,
        95,
        950,
        950,
        0,
        0,
        0,
        0,
        0,
        0,
        latency,
        latency,
        latency,
        latency,
        latency,
        creditedAfterBackMs,
        publishedAfterBackMs,
        null);
  }
}
