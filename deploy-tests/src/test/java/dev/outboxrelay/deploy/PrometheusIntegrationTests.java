package dev.outboxrelay.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import dev.outboxrelay.OutboxSchemaScripts;
import dev.outboxrelay.internal.Lanes;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.RelayJarProcess;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
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
 * through its HTTP API what it saw. The relay's check-back asks a check-back endpoint that this
 * test plays (message-store mode, {@code check-back.source=http}): it answers 503 until a test lets
 * it answer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusIntegrationTests {
  private static final Duration BOUND = Duration.ofSeconds(90);
  private static final String TOPIC = "orders-" + System.nanoTime();
  private static final String CONFIRMED_TOPIC = "confirmed-" + System.nanoTime();
  private static final String BUS_MSG_ID = "order-placed-" + System.nanoTime();
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
  private static HttpServer checkBackEndpoint;
  // the business transactions the endpoint reports committed; it answers 503 while null
  private static volatile Set<String> committed;

  @BeforeAll
  static void start() throws Exception {
    Path prometheusBinary = PrometheusTools.binary("prometheus");
    work = Files.createTempDirectory("outbox-prometheus-test-");
    DatabaseServer server = TestServers.database();
    database = server.createDatabase("deploy_prometheus");
    database.runScript(OutboxSchemaScripts.mysqlScripts().toArray(String[]::new));
    kafka = TestServers.kafka();
    kafka.createTopic(TOPIC, 1);
    kafka.createTopic(CONFIRMED_TOPIC, 1);
    checkBackEndpoint = startCheckBackEndpoint();

    int relayPort = PrometheusTools.freePort();
    relayBase = "http://127.0.0.1:" + relayPort;
    relay = startRelay(relayPort);
    await()
        .atMost(BOUND)
        .until(() -> PrometheusTools.status(relayBase + "/actuator/health/readiness") == 200);

    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put("prometheusRule.enabled", true);
    values.put("alerts.oldestPendingSeconds", 3);
    values.put("alerts.oldestPreparedSeconds", 60);
    values.put("alerts.checkBackFailingFor", "0s");
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
    if (checkBackEndpoint != null) {
      checkBackEndpoint.stop(0);
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

    await().atMost(BOUND).untilAsserted(() -> assertThat(publishedTo(TOPIC)).isEqualTo(25.0));
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

  @Test
  @Order(6)
  void aPreparedMessageNobodyDecidesFiresThePreparedAndTheCheckBackAlerts() throws Exception {
    assertThat(firing("OutboxPreparedTooOld")).isFalse();
    assertThat(firing("OutboxCheckBackFailing")).isFalse();

    // message-store mode: written three minutes ago, its business transaction never said whether
    // it committed, and the check-back's endpoint answers 503
    insertPrepared(CONFIRMED_TOPIC, "prepared-" + BUS_MSG_ID, BUS_MSG_ID, Duration.ofMinutes(3));

    await().atMost(BOUND).until(() -> firing("OutboxPreparedTooOld"));
    await().atMost(BOUND).until(() -> firing("OutboxCheckBackFailing"));
    assertThat(value("max(outbox_prepared_messages{job=\"" + JOB + "\"})")).isEqualTo(1.0);
    assertThat(value("max(outbox_oldest_prepared_age_seconds{job=\"" + JOB + "\"})"))
        .isGreaterThan(60.0);
  }

  @Test
  @Order(7)
  void onceTheBusinessSideAnswersTheCheckBackConfirmsItAndThePreparedAlertResolves()
      throws Exception {
    committed = Set.of(BUS_MSG_ID);

    await()
        .atMost(BOUND)
        .untilAsserted(
            () ->
                assertThat(
                        value(
                            "sum(outbox_check_back_decisions_total{job=\""
                                + JOB
                                + "\",outcome=\"confirmed\"})"))
                    .isEqualTo(1.0));
    await().atMost(BOUND).until(() -> !firing("OutboxPreparedTooOld"));
    await()
        .atMost(BOUND)
        .untilAsserted(() -> assertThat(publishedTo(CONFIRMED_TOPIC)).isEqualTo(1.0));
    assertThat(value("max(outbox_prepared_messages{job=\"" + JOB + "\"})")).isZero();
    // the decided message's age, in seconds: about three minutes
    assertThat(
            value(
                "sum(outbox_check_back_decided_age_seconds_sum{job=\""
                    + JOB
                    + "\",outcome=\"confirmed\"})"))
        .isBetween(180.0, 600.0);
  }

  @Test
  @Order(8)
  void everyRelayMetricTheRulesAndTheDashboardNameIsInARealScrape() throws Exception {
    // a misspelt metric evaluates without error, to nothing: only the scrape tells
    Set<String> named = new TreeSet<>();
    Pattern metric = Pattern.compile("\\boutbox_[a-z_]+");
    rules.forEach(
        rule ->
            metric
                .matcher(rule.getExpr().getStrVal())
                .results()
                .forEach(found -> named.add(found.group())));
    JsonNode dashboard = JSON.readTree(Chart.DIRECTORY.resolve("files/dashboard.json").toFile());
    dashboard
        .get("panels")
        .forEach(
            panel ->
                panel
                    .get("targets")
                    .forEach(
                        target ->
                            metric
                                .matcher(target.get("expr").asText())
                                .results()
                                .forEach(found -> named.add(found.group()))));
    String scrape = PrometheusTools.get(relayBase + "/actuator/prometheus");

    assertThat(named)
        .contains("outbox_oldest_prepared_age_seconds", "outbox_check_back_failures_total");
    assertThat(named)
        .allSatisfy(
            name ->
                assertThat(Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find())
                    .as("%s in the relay's scrape", name)
                    .isTrue());
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

  /** A PREPARED row as message-store mode writes it, created {@code age} ago. */
  private static void insertPrepared(String topic, String key, String busMsgId, Duration age) {
    new JdbcTemplate(database.dataSource())
        .update(
            """
            INSERT INTO t_msg (ref_type, ref_id, topic, msg_key, payload, lane, status, attempts,
                               next_attempt_at, created_at, bus_msg_id)
            VALUES (1, ?, ?, ?, ?, ?, 4, 0, UTC_TIMESTAMP(3),
                    DATE_SUB(UTC_TIMESTAMP(3), INTERVAL ? SECOND), ?)""",
            key,
            topic,
            key,
            ("{\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8),
            Lanes.laneOf(key, 16),
            age.toSeconds(),
            busMsgId);
  }

  /**
   * The business service's check-back endpoint (docs/message-store.md, "The check-back"): {@code
   * POST {"busMsgIds": [...]}}, answered {@code {"found": [...]}}, the asked ids in {@link
   * #committed}; 503 while that is null.
   */
  private static HttpServer startCheckBackEndpoint() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/outbox/check-back",
        exchange -> {
          try {
            JsonNode asked = JSON.readTree(exchange.getRequestBody()).get("busMsgIds");
            Set<String> known = committed;
            if (known == null) {
              byte[] away = "the business database is away".getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(503, away.length);
              exchange.getResponseBody().write(away);
              return;
            }
            List<String> found = new ArrayList<>();
            asked.forEach(
                id -> {
                  if (known.contains(id.asText())) {
                    found.add(id.asText());
                  }
                });
            byte[] answer = JSON.writeValueAsBytes(Map.of("found", found));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
          } finally {
            exchange.close();
          }
        });
    server.start();
    return server;
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
            "OUTBOX_RELAY_CHECK_BACK_SOURCE", "http",
            "OUTBOX_RELAY_CHECK_BACK_URL",
                "http://127.0.0.1:"
                    + checkBackEndpoint.getAddress().getPort()
                    + "/outbox/check-back",
            "OUTBOX_RELAY_CHECK_BACK_AFTER", "1s",
            "OUTBOX_RELAY_CHECK_BACK_INTERVAL", "1s",
            "OUTBOX_RELAY_CHECK_BACK_MAX_BACKOFF", "2s",
            "SERVER_PORT", Integer.toString(port)),
        work.resolve("relay.log"));
  }

  /** What Prometheus counts as published to {@code topic} by this test's relay. */
  private static double publishedTo(String topic) throws Exception {
    return value(
        "sum(outbox_messages_published_total{job=\"" + JOB + "\",topic=\"" + topic + "\"})");
  }
}
