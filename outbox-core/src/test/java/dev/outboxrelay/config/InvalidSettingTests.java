package dev.outboxrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;

class InvalidSettingTests {

  /**
   * What this project's failure analyzers registered in META-INF/spring.factories make of {@code
   * failure} (Boot's own are left out: they would answer for other properties).
   */
  private static FailureAnalysis analyze(Throwable failure) {
    return SpringFactoriesLoader.forDefaultResourceLocation()
        .load(FailureAnalyzer.class, null, (type, implementation, error) -> {})
        .stream()
        .filter(analyzer -> analyzer.getClass().getPackageName().startsWith("dev.outboxrelay"))
        .map(analyzer -> analyzer.analyze(failure))
        .filter(Objects::nonNull)
        .findFirst()
        .orElse(null);
  }

  @Test
  void aBadSettingDeepInABeanCreationFailureIsReportedInOneLineWithItsEnvironmentVariable() {
    InvalidSettingException bad =
        new InvalidSettingException("outbox.lanes", "must be between 1 and 1024, was 0");
    FailureAnalysis analysis =
        analyze(new BeanCreationException("outbox", "Failed to instantiate", bad));

    assertThat(analysis).isNotNull();
    assertThat(analysis.getDescription())
        .isEqualTo("outbox.lanes must be between 1 and 1024, was 0");
    assertThat(analysis.getAction())
        .isEqualTo(
            "Correct the setting outbox.lanes (environment variable OUTBOX_LANES) and start again.");
  }

  enum OnAck {
    MARK_SENT,
    DELETE
  }

  private static Throwable bindFailure(String property, String value, Class<?> type) {
    Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(property, value)));
    try {
      binder.bind(property, Bindable.of(type));
    } catch (BindException e) {
      return new IllegalStateException("context failed", e);
    }
    throw new AssertionError(property + "=" + value + " was bound");
  }

  @Test
  void aValueBootCannotConvertIsReportedInOneLineSayingWhatIsAllowed() {
    assertThat(analyze(bindFailure("outbox.relay.on-ack", "bogus", OnAck.class)).getDescription())
        .isEqualTo("outbox.relay.on-ack must be one of mark-sent, delete, was 'bogus'");
    assertThat(analyze(bindFailure("outbox.relay.workers", "abc", Integer.class)).getDescription())
        .isEqualTo("outbox.relay.workers must be a whole number, was 'abc'");
    FailureAnalysis duration =
        analyze(bindFailure("outbox.relay.poll-interval", "fast", Duration.class));
    assertThat(duration.getDescription())
        .isEqualTo(
            "outbox.relay.poll-interval must be a duration such as 100ms, 30s, 5m, 2h or 7d, was"
                + " 'fast'");
    assertThat(duration.getAction()).contains("OUTBOX_RELAY_POLL_INTERVAL");
    assertThat(
            analyze(
                    bindFailure(
                        "outbox.relay.batch-bytes",
                        "abc",
                        org.springframework.util.unit.DataSize.class))
                .getDescription())
        .isEqualTo("outbox.relay.batch-bytes must be a size such as 64KB, 8MB or 1GB, was 'abc'");
    assertThat(
            analyze(bindFailure("outbox.fast-path.enabled", "perhaps", Boolean.class))
                .getDescription())
        .isEqualTo("outbox.fast-path.enabled must be true or false, was 'perhaps'");
    // not ours: Boot's own report
    assertThat(analyze(bindFailure("server.port", "abc", Integer.class))).isNull();
  }

  @Test
  void otherFailuresAreLeftToSpringBoot() {
    assertThat(analyze(new IllegalStateException("x", new IllegalArgumentException("other"))))
        .isNull();
  }

  @Test
  void rangesNameThePropertyAndSayWhatIsAllowed() {
    assertThatThrownBy(() -> SettingChecks.range("outbox.relay.workers", 0, 1, 64))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("outbox.relay.workers must be between 1 and 64, was 0");
    assertThatThrownBy(
            () ->
                SettingChecks.range(
                    "outbox.relay.retention",
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(1),
                    Duration.ofDays(3650)))
        .hasMessage("outbox.relay.retention must be between 1m and 3650d, was 30s");
    assertThat(SettingChecks.range("x", 2.0, 1.0, 10.0)).isEqualTo(2.0);
  }

  @Test
  void durationsAreWrittenAsPropertiesWouldBe() {
    assertThat(SettingChecks.format(Duration.ofMillis(100))).isEqualTo("100ms");
    assertThat(SettingChecks.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(SettingChecks.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(SettingChecks.format(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(SettingChecks.format(Duration.ofDays(7))).isEqualTo("7d");
    assertThat(SettingChecks.format(Duration.ZERO)).isEqualTo("0ms");
  }

  @Test
  void credentialsAreMaskedByNameOtherPropertiesShown() {
    assertThat(
            SettingChecks.maskSecrets(
                Map.of(
                    "sasl.jaas.config", "x",
                    "ssl.keystore.password", "x",
                    "ssl.key.password", "x",
                    "basic.auth.user.info", "bob:secret",
                    "sasl.oauthbearer.token.endpoint.url", "x",
                    "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
                    "acks", "all")))
        .containsEntry("sasl.jaas.config", "******")
        .containsEntry("ssl.keystore.password", "******")
        .containsEntry("ssl.key.password", "******")
        .containsEntry("basic.auth.user.info", "******")
        .containsEntry("sasl.oauthbearer.token.endpoint.url", "******")
        .containsEntry("key.serializer", "org.apache.kafka.common.serialization.StringSerializer")
        .containsEntry("acks", "all");
  }
}
