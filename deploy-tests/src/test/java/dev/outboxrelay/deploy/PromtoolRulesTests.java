package dev.outboxrelay.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alert rules, as Prometheus's own checker reads them. */
class PromtoolRulesTests {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void thePlainRulesFilePasses() throws Exception {
    PrometheusTools.Result check =
        PrometheusTools.promtool(
            "check", "rules", Chart.DIRECTORY.resolveSibling("outbox-relay-alerts.yml").toString());

    assertThat(check.status()).as("promtool check rules: %s", check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 13 rules found");
  }

  @Test
  void theRulesFireForTheRightNamespaceAndStayQuietOnNoise(@TempDir Path dir) throws Exception {
    // src/test/resources/alert-rules-tests.yml: two namespaces with a release of the same name,
    // a stalled worker restarted by liveness, a small creeping backlog, the first DEAD message,
    // a PREPARED message nobody decides, check-back rounds that keep failing and a short blip,
    // a topic that lets Kafka lose acknowledged messages, a database clock that stepped back
    Files.copy(Chart.DIRECTORY.resolveSibling("outbox-relay-alerts.yml"), dir.resolve("rules.yml"));
    try (var tests = getClass().getResourceAsStream("/alert-rules-tests.yml")) {
      Files.copy(tests, dir.resolve("tests.yml"));
    }

    PrometheusTools.Result check =
        PrometheusTools.promtool("test", "rules", dir.resolve("tests.yml").toString());

    assertThat(check.status()).as("promtool test rules: %s", check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS");
  }

  @Test
  void theChartsRulesPassWithOtherThresholdsAndLanes(@TempDir Path dir) throws Exception {
    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put("prometheusRule.enabled", true);
    values.put("alerts.oldestPendingSeconds", 60);
    values.put("alerts.pendingGrowingFor", "30m");
    values.put("alerts.publishFailuresPerSecond", 2);
    values.put("alerts.for", "2m");
    values.put("alerts.oldestPreparedSeconds", 900);
    values.put("alerts.checkBackFailingFor", "1h");
    values.put("relay.lanes", 64);
    PrometheusRule rule = Chart.render(values).one(PrometheusRule.class);
    Path rules = dir.resolve("rules.yml");
    Files.writeString(rules, YAML.writeValueAsString(Map.of("groups", rule.getSpec().getGroups())));

    PrometheusTools.Result check = PrometheusTools.promtool("check", "rules", rules.toString());

    assertThat(check.status()).as("promtool check rules: %s", check.output()).isZero();
    assertThat(Files.readString(rules))
        .contains("< 64")
        .contains("> 60")
        .contains("[30m:1m]")
        .contains("> 900")
        .contains("for: \"1h\"");
  }
}
