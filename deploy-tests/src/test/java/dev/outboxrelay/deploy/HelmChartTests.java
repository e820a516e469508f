package dev.outboxrelay.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** helm/outbox-relay with the real Helm engine (helm-java embeds Helm's Go library). */
class HelmChartTests {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void lintsStrictly() {
    LintResult lint = new Helm(Chart.DIRECTORY).lint().strict().call();

    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
  }

  @Test
  void withoutTheRequiredValuesTheChartSaysWhatIsMissing() {
    for (String missing : List.of("database.url", "kafka.bootstrapServers", "database.password")) {
      Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
      values.remove(missing);
      assertThatThrownBy(() -> Chart.template(values))
          .as("without %s", missing)
          .hasMessageContaining(missing)
          .hasMessageContaining("required");
    }
  }

  @Test
  void theDefaultsRenderAHardenedDeploymentThatReadsThePasswordFromTheChartsSecret()
      throws Exception {
    Chart.Rendered rendered = Chart.render(Chart.REQUIRED);

    assertThat(rendered.kinds())
        .containsExactly(
            "Deployment", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount");
    Deployment deployment = rendered.one(Deployment.class);
    PodSpec pod = rendered.pod();
    Container relay = rendered.relay();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(relay.getImage()).isEqualTo("registry.example.com/outbox-relay:" + appVersion());
    // probes on the relay's actuator groups
    assertThat(relay.getLivenessProbe().getHttpGet().getPath())
        .isEqualTo("/actuator/health/liveness");
    assertThat(relay.getReadinessProbe().getHttpGet().getPath())
        .isEqualTo("/actuator/health/readiness");
    assertThat(relay.getStartupProbe().getHttpGet().getPath())
        .isEqualTo("/actuator/health/liveness");
    // non-root, read-only root with a writable /tmp, no capabilities, RuntimeDefault seccomp
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(relay.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(relay.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(relay.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(relay.getVolumeMounts()).anyMatch(mount -> mount.getMountPath().equals("/tmp"));
    assertThat(pod.getTopologySpreadConstraints()).hasSize(1);
    // longer than the relay's own shutdown-timeout (its declared default)
    assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds()))
        .isGreaterThan(RelaySettingsMetadata.defaultDuration("outbox.relay.shutdown-timeout"));
    assertThat(env(relay, "JAVA_TOOL_OPTIONS").getValue())
        .contains("-XX:MaxRAMPercentage=75")
        .contains("-XX:+ExitOnOutOfMemoryError");
    // the password only through the Secret
    EnvVar password = env(relay, "SPRING_DATASOURCE_PASSWORD");
    assertThat(password.getValue()).isNull();
    assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("outbox-relay-db");
    assertThat(Chart.template(Chart.REQUIRED).split("(?m)^---")) // only the Secret holds it
        .filteredOn(document -> document.contains("s3cret-Pa55"))
        .isEmpty();
    Secret secret = rendered.one(Secret.class);
    assertThat(
            new String(
                Base64.getDecoder().decode(secret.getData().get("password")),
                StandardCharsets.UTF_8))
        .isEqualTo("s3cret-Pa55");
    assertThat(env(relay, "OUTBOX_RELAY_INSTANCE_ID").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.name");
    assertThat(rendered.one(PodDisruptionBudget.class).getSpec().getMaxUnavailable().getIntVal())
        .isEqualTo(1);
  }

  @Test
  void everyOptionalPartRendersAndSelectsThisReleasesScrapeJob() throws Exception {
    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put("serviceMonitor.enabled", true);
    values.put("podMonitor.enabled", true);
    values.put("prometheusRule.enabled", true);
    values.put("grafanaDashboard.enabled", true);

    Chart.Rendered rendered = Chart.render(values);

    assertThat(rendered.kinds())
        .contains("ServiceMonitor", "PodMonitor", "PrometheusRule", "ConfigMap");
    assertThat(rendered.one(ServiceMonitor.class).getSpec().getEndpoints().get(0).getPath())
        .isEqualTo("/actuator/prometheus");
    assertThat(rendered.one(PodMonitor.class).getSpec().getJobLabel())
        .isEqualTo("outbox-relay.dev/job");
    List<Rule> rules = rendered.one(PrometheusRule.class).getSpec().getGroups().get(0).getRules();
    assertThat(rules)
        .extracting(Rule::getAlert)
        .contains(
            "OutboxOldestPendingTooOld",
            "OutboxPendingGrowing",
            "OutboxMessageDead",
            "OutboxPublishFailuresRising",
            "OutboxRelayDown",
            "OutboxLanesNotOwned",
            "OutboxRelayReplicaNotReady");
    assertThat(rules)
        .filteredOn(rule -> rule.getExpr().getStrVal().contains("outbox_"))
        .allSatisfy(
            rule -> assertThat(rule.getExpr().getStrVal()).contains("job=\"outbox-relay\""));
    ConfigMap dashboard = rendered.one(ConfigMap.class);
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    JsonNode json = JSON.readTree(dashboard.getData().get("shop-outbox-relay.json"));
    assertThat(json.get("panels")).hasSizeGreaterThanOrEqualTo(8);
    json.get("panels")
        .forEach(
            panel ->
                panel
                    .get("targets")
                    .forEach(
                        target ->
                            assertThat(target.get("expr").asText())
                                .contains("{job=\"outbox-relay\"}")));
  }

  @Test
  void existingSecretsKafkaCredentialsTlsAndNestedRelaySettingsGoWhereTheRelayReadsThem(
      @TempDir Path dir) throws Exception {
    Path values =
        valuesFile(
            dir,
            "production.yaml",
            """
        replicaCount: 3
        terminationGracePeriodSeconds: 90
        database:
          url: jdbc:mysql://mysql.shop:3306/shop?sslMode=REQUIRED
          username: relay
          existingSecret: shop-db
          existingSecretPasswordKey: relay-password
        kafka:
          bootstrapServers: kafka:9093
          properties:
            security.protocol: SASL_SSL
            sasl.mechanism: SCRAM-SHA-512
            ssl.truststore.location: /etc/outbox-relay/kafka-tls/truststore.p12
          secretProperties:
            - property: sasl.jaas.config
              secretName: kafka-credentials
              secretKey: jaas
          tlsSecret: kafka-truststore
        relay:
          lanes: 32
          workers: 4
          batch-size: 2000
          shutdown-timeout: 45s
          backoff:
            initial: 2s
        """);
    Map<String, Object> image = Map.of("image.repository", "registry.example.com/outbox-relay");

    Chart.Rendered rendered = Chart.render(image, values);

    assertThat(rendered.kinds()).doesNotContain("Secret");
    Container relay = rendered.relay();
    assertThat(env(relay, "SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef())
        .satisfies(
            ref -> {
              assertThat(ref.getName()).isEqualTo("shop-db");
              assertThat(ref.getKey()).isEqualTo("relay-password");
            });
    assertThat(
            env(relay, "OUTBOX_RELAY_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")
                .getValueFrom()
                .getSecretKeyRef()
                .getName())
        .isEqualTo("kafka-credentials");
    assertThat(env(relay, "OUTBOX_RELAY_KAFKA_PROPERTIES_SECURITY_PROTOCOL").getValue())
        .isEqualTo("SASL_SSL");
    assertThat(env(relay, "OUTBOX_RELAY_LANES").getValue()).isEqualTo("32");
    assertThat(env(relay, "OUTBOX_RELAY_BATCH_SIZE").getValue()).isEqualTo("2000");
    assertThat(env(relay, "OUTBOX_RELAY_BACKOFF_INITIAL").getValue()).isEqualTo("2s");
    assertThat(relay.getVolumeMounts())
        .anyMatch(mount -> mount.getMountPath().equals("/etc/outbox-relay/kafka-tls"));
    assertThat(Duration.ofSeconds(rendered.pod().getTerminationGracePeriodSeconds()))
        .isGreaterThan(Duration.ofSeconds(45));
    // every OUTBOX_RELAY_* variable binds to a setting the relay declares
    for (EnvVar variable : relay.getEnv()) {
      if (variable.getName().startsWith("OUTBOX_RELAY_")) {
        assertThat(RelaySettingsMetadata.bindsTo(variable.getName()))
            .as("%s names a declared outbox.relay setting", variable.getName())
            .isTrue();
      }
    }
  }

  @Test
  void wholeNumbersFromAValuesFileReachTheRelayAndKafkaAsIntegers(@TempDir Path dir)
      throws Exception {
    // YAML files give Helm every number as a float64, printed as 1.6777216e+07 unless the chart
    // takes care; neither Spring Boot nor Kafka reads that
    Path values =
        valuesFile(
            dir,
            "big-numbers.yaml",
            """
        relay:
          batch-bytes: 16777216
          max-attempts: 1000000
          backoff:
            multiplier: 1.5
        kafka:
          properties:
            buffer.memory: 67108864
            batch.size: 1048576
        """);

    Container relay = Chart.render(Chart.REQUIRED, values).relay();

    assertThat(env(relay, "OUTBOX_RELAY_BATCH_BYTES").getValue()).isEqualTo("16777216");
    assertThat(env(relay, "OUTBOX_RELAY_MAX_ATTEMPTS").getValue()).isEqualTo("1000000");
    assertThat(env(relay, "OUTBOX_RELAY_BACKOFF_MULTIPLIER").getValue()).isEqualTo("1.5");
    assertThat(env(relay, "OUTBOX_RELAY_KAFKA_PROPERTIES_BUFFER_MEMORY").getValue())
        .isEqualTo("67108864");
    assertThat(env(relay, "OUTBOX_RELAY_KAFKA_PROPERTIES_BATCH_SIZE").getValue())
        .isEqualTo("1048576");
  }

  @Test
  void aVariableTheChartSetsCannotBeSetAgainAndNothingHintsAtThePassword(@TempDir Path dir)
      throws Exception {
    Path override =
        valuesFile(
            dir,
            "override.yaml",
            """
        extraEnv:
          - name: SPRING_DATASOURCE_PASSWORD
            value: plain-text
        """);
    Path twice =
        valuesFile(
            dir,
            "twice.yaml",
            """
        kafka:
          properties:
            sasl.jaas.config: inline
          secretProperties:
            - property: sasl.jaas.config
              secretName: kafka-credentials
              secretKey: jaas
        """);

    assertThatThrownBy(() -> Chart.template(Chart.REQUIRED, override))
        .hasMessageContaining(
            "extraEnv sets SPRING_DATASOURCE_PASSWORD, which the chart sets from its values");
    Path lanes = dir.resolve("lanes.yaml");
    Files.writeString(lanes, "extraEnv:\n  - name: OUTBOX_RELAY_LANES\n    value: \"32\"\n");
    assertThatThrownBy(() -> Chart.template(Chart.REQUIRED, lanes))
        .hasMessageContaining("use relay.* for outbox.relay settings");
    assertThatThrownBy(() -> Chart.template(Chart.REQUIRED, twice))
        .hasMessageContaining(
            "sasl.jaas.config is in both kafka.properties and kafka.secretProperties");
    // no checksum or other digest of the Secret on the pod: it could be checked against guesses
    Deployment deployment = Chart.render(Chart.REQUIRED).one(Deployment.class);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(
            deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal())
        .isZero();
  }

  @Test
  void aUsersOwnSpreadSelectorIsKeptAndEachReleaseHasItsOwnDashboard(@TempDir Path dir)
      throws Exception {
    Path spread =
        valuesFile(
            dir,
            "spread.yaml",
            """
        topologySpreadConstraints:
          - maxSkew: 1
            topologyKey: topology.kubernetes.io/zone
            whenUnsatisfiable: DoNotSchedule
            labelSelector:
              matchLabels:
                team: payments
        grafanaDashboard:
          enabled: true
        """);

    Chart.Rendered rendered = Chart.render(Chart.REQUIRED, spread);

    assertThat(
            rendered
                .pod()
                .getTopologySpreadConstraints()
                .get(0)
                .getLabelSelector()
                .getMatchLabels())
        .containsExactly(Map.entry("team", "payments"));
    ConfigMap dashboard = rendered.one(ConfigMap.class);
    String key = Chart.NAMESPACE + "-" + Chart.RELEASE + ".json";
    JsonNode json = JSON.readTree(dashboard.getData().get(key));
    assertThat(json.get("title").asText()).isEqualTo("Outbox Relay (shop/outbox-relay)");
    assertThat(json.get("uid").asText()).startsWith("outbox-relay-").hasSizeLessThanOrEqualTo(40);
  }

  @Test
  void theSchemaRefusesWrongTypesUnknownKeysAndUnknownRelaySettings() {
    assertRefused("relay.batch-size", "many", "batch-size");
    assertRefused("relay.batchsize", 100, "batchsize");
    assertRefused("replicas", 3, "replicas");
    assertRefused("relay.on-ack", "later", "on-ack");
    assertRefused("database.url", "mysql://no-jdbc-prefix", "url");
    // the relay ships MySQL Connector/J only, which speaks to MariaDB with jdbc:mysql: URLs
    assertRefused("database.url", "jdbc:mariadb://db:3306/shop", "url");
    assertRefused("podDisruptionBudget.maxUnavailable", "abc", "maxUnavailable");
  }

  @Test
  void theSchemaDeclaresExactlyTheRelaysSettingsThatValuesMayCarry() throws Exception {
    JsonNode relay =
        JSON.readTree(Chart.DIRECTORY.resolve("values.schema.json").toFile())
            .at("/properties/relay/properties");
    List<String> inSchema = new java.util.ArrayList<>();
    flatten(relay, "outbox.relay.", inSchema);

    assertThat(inSchema)
        .containsExactlyInAnyOrderElementsOf(
            RelaySettingsMetadata.names().stream()
                .filter(name -> !RelaySettingsMetadata.SET_BY_THE_CHART.contains(name))
                .toList());
  }

  @Test
  void theChartsVersionsAreTheBuildsAndThePlainRulesFileIsTheChartsRules() throws Exception {
    JsonNode chart = YAML.readTree(Chart.DIRECTORY.resolve("Chart.yaml").toFile());
    assertThat(chart.get("version").asText()).isEqualTo(projectVersion());
    assertThat(chart.get("appVersion").asText()).isEqualTo(projectVersion());

    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put("prometheusRule.enabled", true);
    PrometheusRule rule = Chart.render(values).one(PrometheusRule.class);
    JsonNode plain =
        YAML.readTree(Chart.DIRECTORY.resolveSibling("outbox-relay-alerts.yml").toFile());

    assertThat(plain.get("groups")).isEqualTo(YAML.valueToTree(rule.getSpec().getGroups()));
  }

  /** A values file as a user writes one. */
  private static Path valuesFile(Path dir, String name, String yaml) throws Exception {
    return Files.writeString(dir.resolve(name), yaml);
  }

  private static void assertRefused(String key, Object value, String named) {
    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put(key, value);
    assertThatThrownBy(() -> Chart.template(values))
        .as("%s=%s", key, value)
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  private static void flatten(JsonNode properties, String prefix, List<String> names) {
    properties
        .fields()
        .forEachRemaining(
            field -> {
              JsonNode nested = field.getValue().get("properties");
              if (nested != null) {
                flatten(nested, prefix + field.getKey() + ".", names);
              } else {
                names.add(prefix + field.getKey());
              }
            });
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream()
        .filter(variable -> variable.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no environment variable " + name));
  }

  private static String projectVersion() {
    return System.getProperty("project.version", "unknown");
  }

  private static String appVersion() throws Exception {
    return YAML.readTree(Chart.DIRECTORY.resolve("Chart.yaml").toFile()).get("appVersion").asText();
  }
}
