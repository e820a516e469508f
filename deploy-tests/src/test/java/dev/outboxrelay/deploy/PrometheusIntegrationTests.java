package dev.outboxrelay.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.outboxrelay.internal.Lanes;
import dev.outboxrelay.internal.OutboxSchema;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.RelayJarProcess;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A real Prometheus server scrapes the relay jar (a process of its own, on the embedded MariaDB and
 * Kafka), with the chart's alert rules rendered for test thresholds of seconds, and is asked
 * through its HTTP API what it saw.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusIntegrationTests {
  private static final Duration BOUND = Duration.ofSeconds(90);
  private static final String TOPIC = "orders-" + System.nanoTime();
  private static final String JOB = "outbox-relay";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path work;
  private static TestDatabase database;
  private static KafkaBroker kafka;
  private static Process relay;
  private static Process prometheus;
  private static String relayBase;
  private static String prometheusBase;
  private static List<Rule> rules;

  @BeforeAll
  static void start() throws Exception {
    Path prometheusBinary = PrometheusTools.binary("prometheus");
    work = Files.createTempDirectory("outbox-prometheus-test-");
    DatabaseServer server = TestServers.database();
    database = server.createDatabase("deploy_prometheus");
    database.runScript(OutboxSchema.mysqlScripts());
    kafka = TestServers.kafka();
    kafka.createTopic(TOPIC, 1);

    int relayPort = PrometheusTools.freePort();
    relayBase = "http://127.0.0.1:" + relayPort;
    relay = startRelay(relayPort);
    await()
        .atMost(BOUND)
        .until(() -> PrometheusTools.status(relayBase + "/actuator/health/readiness") == 200);

    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put("prometheusRule.enabled", true);
    values.put("alerts.oldestPendingSeconds", 3);
    values.put("alerts.for", "0s");
    PrometheusRule rule = Chart.render(values).one(PrometheusRule.class);
    rules = rule.getSpec().getGroups().get(0).getRules();
    Files.writeString(
        work.resolve("rules.yml"),
        YAML.writeValueAsString(Map.of("groups", rule.getSpec().getGroups())));
    Files.writeString(
        work.resolve("prometheus.yml"),
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: [rules.yml]
        scrape_configs:
          - job_name: %s
            metrics_path: /actuator/prometheus
            static_configs:
              - targets: ['127.0.0.1:%d']
        """
            .formatted(JOB, relayPort));
    int prometheusPort = PrometheusTools.freePort();
    prometheusBase = "http://127.0.0.1:" + prometheusPort;
    prometheus =
        new ProcessBuilder(
                prometheusBinary.toString(),
                "--config.file=" + work.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + work.resolve("data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("prometheus.log").toFile())
            .start();
    await().atMost(BOUND).until(() -> PrometheusTools.status(prometheusBase + "/-/ready") == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process process : new Process[] {prometheus, relay}) {
      if (process != null) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
    if (kafka != null) {
      kafka.start(); // a failed test may have left it stopped
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  @Order(1)
  void prometheusCountsEveryMessageTheRelayPublished() throws Exception {
    for (int i = 0; i < 25; i++) {
      insert(TOPIC, "customer-" + (i % 5));
    }

    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(
                        value(
                            "sum(outbox_messages_published_total{job=\""
                                + JOB
                                + "\",topic=\""
                                + TOPIC
                                + "\"})"))
                    .isEqualTo(25.0));
  }

  @Test
  @Order(2)
  void promtoolFindsNothingWrongInARealScrape() throws Exception {
    String scrape = PrometheusTools.get(relayBase + "/actuator/prometheus");

    PrometheusTools.Result check = PrometheusTools.promtoolWithInput(scrape, "check", "metrics");

    assertThat(scrape).contains("outbox_messages_published_total");
    assertThat(check.status()).as("promtool check metrics: %s", check.output()).isZero();
  }

  @Test
  @Order(3)
  void everyDashboardQueryAndAlertExpressionEvaluatesWithoutError() throws Exception {
    List<String> expressions = new ArrayList<>();
    rules.forEach(rule -> expressions.add(rule.getExpr().getStrVal()));
    JsonNode dashboard =
        JSON.readTree(
            Files.readString(Chart.DIRECTORY.resolve("files/dashboard.json"))
                .replace("__SELECTOR__", "job=\\\"" + JOB + "\\\""));
    dashboard
        .get("panels")
        .forEach(
            panel -> panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText())));

    for (String expression : expressions) {
      JsonNode answer = PrometheusTools.query(prometheusBase, expression);
      assertThat(answer.get("status").asText())
          .as("%s: %s", expression, answer)
          .isEqualTo("success");
    }
    assertThat(expressions).hasSizeGreaterThan(15);
  }

  @Test
  @Order(4)
  void aDeadMessageFiresTheDeadAlert() throws Exception {
    assertThat(firing("OutboxMessageDead")).isFalse();

    insert("not a legal topic!", "poison"); // InvalidTopicException: DEAD at once

    await().atMost(BOUND).until(() -> firing("OutboxMessageDead"));
  }

  @Test
  @Order(5)
  void withKafkaStoppedTheOldestPendingAlertFires() throws Exception {
    assertThat(firing("OutboxOldestPendingTooOld")).isFalse();

    kafka.stop();
    try {
      insert(TOPIC, "during-the-outage");

      await().atMost(BOUND).until(() -> firing("OutboxOldestPendingTooOld"));
    } finally {
      kafka.start();
    }
  }

  private static boolean firing(String alert) throws Exception {
    JsonNode alerts = JSON.readTree(PrometheusTools.get(prometheusBase + "/api/v1/alerts"));
    for (JsonNode each : alerts.at("/data/alerts")) {
      if (alert.equals(each.at("/labels/alertname").asText())
          && "firing".equals(each.get("state").asText())) {
        return true;
      }
    }
    return false;
  }

  private static double value(String promql) throws Exception {
    JsonNode answer = PrometheusTools.query(prometheusBase, promql);
    JsonNode result = answer.at("/data/result");
    return result.isEmpty() ? Double.NaN : result.get(0).at("/value/1").asDouble();
  }

  private static void insert(String topic, String key) {
    new JdbcTemplate(database.dataSource())
        .update(
            """
            INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status, attempts,
                               next_attempt_at, created_at)
            VALUES (1, ?, ?, ?, ?, ?, 0, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))""",
            key,
            topic,
            key,
            ("{\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8),
            Lanes.laneOf(key, 16));
  }

  private static Process startRelay(int port) throws Exception {
    Path jar = Path.of("..", "outbox-relay", "target", "outbox-relay.jar");
    assertThat(jar).as("the relay jar, built by the outbox-relay module before this one").exists();
    return RelayJarProcess.start(
        jar,
        database,
        kafka.bootstrapServers(),
        List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
        Map.of(
            "OUTBOX_RELAY_POLL_INTERVAL", "50ms",
            "OUTBOX_RELAY_GAUGE_INTERVAL", "1s",
            "OUTBOX_RELAY_SEND_TIMEOUT", "2s",
            "OUTBOX_RELAY_MAX_BLOCK", "500ms",
            "SERVER_PORT", Integer.toString(port)),
        work.resolve("relay.log"));
  }
}
