package dev.outboxrelay.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;
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
            "OutboxPreparedTooOld",
            "OutboxCheckBackFailing",
            "OutboxTopicDurabilityRisk",
            "OutboxDatabaseClockSteppedBack",
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
  void theCheckBackAlertsLeaveTheRelaysDefaultCheckBackTimeToWork() throws Exception {
    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put("prometheusRule.enabled", true);
    Map<String, Rule> rules = new HashMap<>();
    Chart.render(values)
        .one(PrometheusRule.class)
        .getSpec()
        .getGroups()
        .get(0)
        .getRules()
        .forEach(rule -> rules.put(rule.getAlert(), rule));
    JsonNode alerts = YAML.readTree(Chart.DIRECTORY.resolve("values.yaml").toFile()).get("alerts");

    // a PREPARED message is cancelled after the transaction-timeout, at the next round: the
    // default threshold does not page on messages the check-back is about to decide
    Duration threshold = Duration.ofSeconds(alerts.get("oldestPreparedSeconds").asLong());
    assertThat(threshold)
        .isGreaterThan(
            RelaySettingsMetadata.defaultDuration("outbox.relay.check-back.transaction-timeout")
                .plus(RelaySettingsMetadata.defaultDuration("outbox.relay.check-back.interval")));
    assertThat(rules.get("OutboxPreparedTooOld").getExpr().getStrVal())
        .isEqualTo(
            "max by (namespace, job) (outbox_oldest_prepared_age_seconds{job=\"outbox-relay\"})"
                + " > "
                + threshold.toSeconds());
    // failing rounds back off up to max-backoff: the window sees the next one while it fails
    assertThat(rules.get("OutboxCheckBackFailing").getExpr().getStrVal()).contains("[10m]");
    assertThat(Duration.ofMinutes(10))
        .isGreaterThan(
            RelaySettingsMetadata.defaultDuration("outbox.relay.check-back.max-backoff"));
    assertThat(rules.get("OutboxCheckBackFailing").getFor())
        .isEqualTo(alerts.get("checkBackFailingFor").asText());
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
    assertEveryRelayVariableBinds(relay);
  }

  @Test
  void checkBackOnTheBusinessDatabaseGetsItsPasswordFromTheChartsSecretOnly(@TempDir Path dir)
      throws Exception {
    Path values =
        valuesFile(
            dir,
            "message-store.yaml",
            """
        relay:
          check-back:
            source: database
            transaction-timeout: 10m
            max-backoff: 2m
        checkBack:
          database:
            url: jdbc:mysql://orders-db.shop:3306/orders
            username: check-back
            password: Ch3ck-B4ck-pw
        """);

    Chart.Rendered rendered = Chart.render(Chart.REQUIRED, values);

    Container relay = rendered.relay();
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_SOURCE").getValue()).isEqualTo("database");
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_TRANSACTION_TIMEOUT").getValue())
        .isEqualTo("10m");
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_MAX_BACKOFF").getValue()).isEqualTo("2m");
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_URL").getValue())
        .isEqualTo("jdbc:mysql://orders-db.shop:3306/orders");
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_USERNAME").getValue())
        .isEqualTo("check-back");
    EnvVar password = env(relay, "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_PASSWORD");
    assertThat(password.getValue()).isNull();
    assertThat(password.getValueFrom().getSecretKeyRef())
        .satisfies(
            ref -> {
              assertThat(ref.getName()).isEqualTo("outbox-relay-db");
              assertThat(ref.getKey()).isEqualTo("check-back-password");
            });
    // one Secret holds both passwords, each under its own key
    Secret secret = rendered.one(Secret.class);
    assertThat(decoded(secret, "password")).isEqualTo("s3cret-Pa55");
    assertThat(decoded(secret, "check-back-password")).isEqualTo("Ch3ck-B4ck-pw");
    // the password, plain or encoded, is in the Secret and nowhere else
    String encoded = Base64.getEncoder().encodeToString("Ch3ck-B4ck-pw".getBytes(UTF_8));
    assertThat(Chart.template(Chart.REQUIRED, values).split("(?m)^---"))
        .filteredOn(document -> document.contains("Ch3ck-B4ck-pw") || document.contains(encoded))
        .singleElement()
        .satisfies(document -> assertThat(document).contains("kind: Secret"));
    assertEveryRelayVariableBinds(relay);
  }

  @Test
  void checkBackPasswordsFromExistingSecretsLeaveTheChartsSecretWithWhatIsLeft(@TempDir Path dir)
      throws Exception {
    // the relay's database in an existing Secret, the check-back's as a value: the chart's
    // Secret holds the check-back's only
    Path checkBackValue =
        valuesFile(
            dir,
            "check-back-value.yaml",
            """
        database:
          existingSecret: shop-db
        relay:
          check-back:
            source: database
        checkBack:
          database:
            url: jdbc:mysql://orders-db.shop:3306/orders
            username: check-back
            password: Ch3ck-B4ck-pw
        """);
    // both in existing Secrets: the chart renders none
    Path bothExisting =
        valuesFile(
            dir,
            "both-existing.yaml",
            """
        database:
          existingSecret: shop-db
        relay:
          check-back:
            source: database
        checkBack:
          database:
            url: jdbc:mysql://orders-db.shop:3306/orders
            username: check-back
            existingSecret: orders-db
            existingSecretPasswordKey: relay-check-back
        """);

    Map<String, Object> required = new HashMap<>(Chart.REQUIRED);
    required.remove("database.password");

    Chart.Rendered oneInTheChart = Chart.render(required, checkBackValue);
    Chart.Rendered none = Chart.render(required, bothExisting);

    Secret secret = oneInTheChart.one(Secret.class);
    assertThat(secret.getData()).containsOnlyKeys("check-back-password");
    assertThat(decoded(secret, "check-back-password")).isEqualTo("Ch3ck-B4ck-pw");
    Container relay = oneInTheChart.relay();
    assertThat(env(relay, "SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("shop-db");
    assertThat(
            env(relay, "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_PASSWORD")
                .getValueFrom()
                .getSecretKeyRef())
        .satisfies(
            ref -> {
              assertThat(ref.getName()).isEqualTo("outbox-relay-db");
              assertThat(ref.getKey()).isEqualTo("check-back-password");
            });
    assertThat(none.kinds()).doesNotContain("Secret");
    assertThat(
            env(none.relay(), "OUTBOX_RELAY_CHECK_BACK_DATASOURCE_PASSWORD")
                .getValueFrom()
                .getSecretKeyRef())
        .satisfies(
            ref -> {
              assertThat(ref.getName()).isEqualTo("orders-db");
              assertThat(ref.getKey()).isEqualTo("relay-check-back");
            });
  }

  @Test
  void checkBackOverHttpTakesTheEndpointAndNoDatabase() throws Exception {
    Map<String, Object> values = new HashMap<>(Chart.REQUIRED);
    values.put("relay.check-back.source", "http");
    values.put("relay.check-back.url", "http://orders.shop:8080/outbox/check-back");
    values.put("relay.check-back.request-timeout", "5s");

    Chart.Rendered rendered = Chart.render(values);

    Container relay = rendered.relay();
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_SOURCE").getValue()).isEqualTo("http");
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_URL").getValue())
        .isEqualTo("http://orders.shop:8080/outbox/check-back");
    assertThat(env(relay, "OUTBOX_RELAY_CHECK_BACK_REQUEST_TIMEOUT").getValue()).isEqualTo("5s");
    assertThat(relay.getEnv())
        .extracting(EnvVar::getName)
        .noneMatch(name -> name.startsWith("OUTBOX_RELAY_CHECK_BACK_DATASOURCE"));
    assertThat(rendered.one(Secret.class).getData()).containsOnlyKeys("password");
    assertEveryRelayVariableBinds(relay);
  }

  @Test
  void checkBackValuesThatCannotWorkAreRefusedWithTheReason() {
    // by the schema
    assertRefused("relay.check-back.source", "maybe", "source");
    assertRefused("relay.check-back.url", "ftp://orders/check-back", "url");
    // the relay logs its settings: no credentials in the URL
    assertRefused("relay.check-back.url", "http://user:pw@orders/check-back", "url");
    assertRefused("relay.check-back.batch-size", 5000, "batch-size");
    assertRefused("relay.check-back.after", "30 seconds", "after");
    // the business database's connection is checkBack.database, never plain relay values
    assertRefused("relay.check-back.datasource.password", "plain", "datasource");
    assertRefused("checkBack.database.url", "postgres://x", "url");
    assertRefused("checkBack.database.url", "jdbc:mariadb://orders-db:3306/orders", "url");
    assertRefused("checkBack.database.pasword", "typo", "pasword");
    // by the chart, for combinations
    Map<String, Object> noDatabase = new HashMap<>(Chart.REQUIRED);
    noDatabase.put("relay.check-back.source", "database");
    assertThatThrownBy(() -> Chart.template(noDatabase))
        .hasMessageContaining("checkBack.database.url is required");
    Map<String, Object> noPassword = new HashMap<>(noDatabase);
    noPassword.put("checkBack.database.url", "jdbc:mysql://orders-db:3306/orders");
    assertThatThrownBy(() -> Chart.template(noPassword))
        .hasMessageContaining(
            "checkBack.database.password or checkBack.database.existingSecret is required");
    Map<String, Object> databaseButNoSource = new HashMap<>(Chart.REQUIRED);
    databaseButNoSource.put("checkBack.database.url", "jdbc:mysql://orders-db:3306/orders");
    databaseButNoSource.put("checkBack.database.password", "pw");
    assertThatThrownBy(() -> Chart.template(databaseButNoSource))
        .hasMessageContaining("relay.check-back.source is not database");
    Map<String, Object> noEndpoint = new HashMap<>(Chart.REQUIRED);
    noEndpoint.put("relay.check-back.source", "http");
    assertThatThrownBy(() -> Chart.template(noEndpoint))
        .hasMessageContaining("relay.check-back.url is required");
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

  /** Every OUTBOX_RELAY_* variable binds to a setting the relay declares. */
  private static void assertEveryRelayVariableBinds(Container relay) {
    for (EnvVar variable : relay.getEnv()) {
      if (variable.getName().startsWith("OUTBOX_RELAY_")) {
        assertThat(RelaySettingsMetadata.bindsTo(variable.getName()))
            .as("%s names a declared outbox.relay setting", variable.getName())
            .isTrue();
      }
    }
  }

  private static String decoded(Secret secret, String key) {
    return new String(Base64.getDecoder().decode(secret.getData().get(key)), UTF_8);
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
