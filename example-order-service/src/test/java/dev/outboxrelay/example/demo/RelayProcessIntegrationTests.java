package dev.outboxrelay.example.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A demo relay process that cannot start is reported as such, with its exit status and log. */
class RelayProcessIntegrationTests {
  @TempDir Path logs;

  @Test
  void aRelayThatCannotStartIsReportedNotTakenForReady() throws Exception {
    Path log = logs.resolve("relay-1-start-1.log");
    // an invalid setting: the relay exits with status 1 before it listens anywhere
    try (RelayProcess relay =
        RelayProcess.start(
            "jdbc:mysql://127.0.0.1:1/none",
            "demo",
            "",
            "127.0.0.1:1",
            Map.of("OUTBOX_RELAY_LANES", "0"),
            log)) {
      assertThatThrownBy(relay::awaitReady)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("exited with status 1 at start-up")
          .hasMessageContaining(log.toString());
      assertThat(relay.exited()).contains("exited with status 1").contains(log.toString());
      assertThat(Files.readString(log))
          .containsAnyOf("APPLICATION FAILED TO START", "Application run failed");
      // it reported no port: it never listened
      assertThat(log.resolveSibling("relay-1-start-1.log.port")).doesNotExist();
    }
  }
}
