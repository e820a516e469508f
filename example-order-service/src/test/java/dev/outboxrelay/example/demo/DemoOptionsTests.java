package dev.outboxrelay.example.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.example.orders.Fault;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoOptionsTests {

  @Test
  void badOptionsAreRefusedNamingTheOption() {
    assertThatThrownBy(() -> options(5, 8, 50))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--orders");
    assertThatThrownBy(() -> options(100, 0, 50)).hasMessageContaining("--clients");
    assertThatThrownBy(() -> options(100, 8, 0)).hasMessageContaining("--rate");
  }

  @Test
  void modeIsSameDatabaseByDefaultOrMessageStore() {
    assertThat(DemoOptions.parseMode(parsed().mode)).isEqualTo(OutboxSettings.Mode.SAME_DATABASE);
    assertThat(DemoOptions.parseMode(parsed("--mode=message-store").mode))
        .isEqualTo(OutboxSettings.Mode.MESSAGE_STORE);
    assertThat(DemoOptions.parseMode(parsed("--mode", "same-database").mode))
        .isEqualTo(OutboxSettings.Mode.SAME_DATABASE);
    assertThat(options(100, 8, 50).messageStore()).isFalse();
    assertThat(
            new DemoOptions(
                    100,
                    8,
                    50,
                    Duration.ZERO,
                    false,
                    OutboxSettings.Mode.MESSAGE_STORE,
                    1,
                    Duration.ofSeconds(60),
                    false)
                .messageStore())
        .isTrue();
  }

  @Test
  void anUnknownModeIsRefusedNamingTheOptionAndItsValues() {
    assertThatThrownBy(() -> DemoOptions.parseMode("message_store"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--mode must be same-database or message-store, was 'message_store'");
    assertThatThrownBy(
            () ->
                new DemoOptions(
                    100, 8, 50, Duration.ZERO, false, null, 1, Duration.ofSeconds(60), false))
        .hasMessageContaining("--mode");
    // exit status 2, as for the other bad values, before any server starts
    assertThat(new CommandLine(new OrderDemo()).execute("--mode=xa")).isEqualTo(2);
  }

  @Test
  void theScriptIsTheSameForTheSameSeedAndInjectsEachFault() {
    List<ScriptedOrder> script = ScriptedOrder.script(2000, 42);

    assertThat(script).isEqualTo(ScriptedOrder.script(2000, 42));
    assertThat(script).extracting(ScriptedOrder::fault).contains(Fault.values());
    assertThat(script)
        .allSatisfy(
            order -> {
              assertThat(order.amount())
                  .isBetween(new java.math.BigDecimal("1.00"), new java.math.BigDecimal("200.00"));
              assertThat(order.amount().scale()).isEqualTo(2);
            });
  }

  @Test
  void percentileIsNearestRank() {
    List<Double> values = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
    assertThat(Books.percentile(values, 0.5)).isEqualTo(5.0);
    assertThat(Books.percentile(values, 0.99)).isEqualTo(10.0);
    assertThat(Books.percentile(List.of(), 0.5)).isNull();
  }

  private static DemoOptions options(int orders, int clients, double rate) {
    return new DemoOptions(
        orders,
        clients,
        rate,
        Duration.ofSeconds(10),
        true,
        OutboxSettings.Mode.SAME_DATABASE,
        1,
        Duration.ofSeconds(60),
        false);
  }

  /** The command line parsed as {@code order-demo} parses it, without running anything. */
  private static OrderDemo parsed(String... args) {
    OrderDemo demo = new OrderDemo();
    new CommandLine(demo).parseArgs(args);
    return demo;
  }
}
