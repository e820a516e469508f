package dev.outboxrelay.relay.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.relay.OutboxRelay;
import dev.outboxrelay.relay.RelaySettings;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Enumeration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** The relay's auto-configuration against the real test database and Kafka broker. */
class OutboxRelayAutoConfigurationTests {
  private static final String[] SCHEMA = dev.outboxrelay.internal.OutboxSchema.mysqlScripts();

  private static TestDatabase database;

  @BeforeAll
  static void createDatabase() {
    database = TestServers.database().createDatabase("relay_boot");
    database.runScript(SCHEMA);
  }

  @AfterAll
  static void dropDatabase() {
    if (database != null) {
      database.close();
    }
  }

  /** Spring Boot's DataSource auto-configuration on the test database, as an application has. */
  private static ApplicationContextRunner runner() {
    DatabaseServer server = TestServers.database();
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                DataSourceAutoConfiguration.class,
                OutboxRelayAutoConfiguration.class,
                OutboxRelayHealthAutoConfiguration.class))
        .withPropertyValues(
            "spring.datasource.url=" + database.jdbcUrl(),
            "spring.datasource.username=" + server.username(),
            "spring.datasource.password=" + server.password(),
            "spring.datasource.hikari.maximum-pool-size=6");
  }

  private static String bootstrapServers() {
    return "outbox.relay.kafka.bootstrap-servers=" + TestServers.kafka().bootstrapServers();
  }

  @Test
  void checkBackFromTheBusinessDatabaseGetsAReadOnlyPoolThatIsNotTheRelaysDataSource() {
    DatabaseServer server = TestServers.database();
    runner()
        .withPropertyValues(
            bootstrapServers(),
            "outbox.relay.enabled=true",
            "outbox.relay.check-back.source=database",
            "outbox.relay.check-back.datasource.url=" + database.jdbcUrl(),
            "outbox.relay.check-back.datasource.username=" + server.username(),
            "outbox.relay.check-back.datasource.password=" + server.password())
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(OutboxRelay.class);
              // one DataSource by type (the relay's), the check-back's only by its name
              assertThat(context.getBeanNamesForType(javax.sql.DataSource.class)).hasSize(2);
              assertThat(context.getBean(javax.sql.DataSource.class))
                  .isNotSameAs(
                      context.getBean(OutboxRelayAutoConfiguration.CHECK_BACK_DATA_SOURCE));
              try (java.sql.Connection connection =
                  context
                      .getBean(
                          OutboxRelayAutoConfiguration.CHECK_BACK_DATA_SOURCE,
                          javax.sql.DataSource.class)
                      .getConnection()) {
                assertThat(connection.isReadOnly()).isTrue();
              }
            });
  }

  @Test
  void checkBackSettingsThatCannotWorkStopStartUpNamingTheProperty() {
    // source database without the business database (an empty value is no value)
    runner()
        .withPropertyValues(
            bootstrapServers(),
            "outbox.relay.enabled=true",
            "outbox.relay.check-back.source=database",
            "outbox.relay.check-back.datasource.url=")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessageStartingWith("outbox.relay.check-back.datasource.url must be set"));
    // an empty URL without the check-back is no problem
    runner()
        .withPropertyValues(
            bootstrapServers(),
            "outbox.relay.enabled=true",
            "outbox.relay.check-back.datasource.url=")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(OutboxRelay.class));
    for (String[] bad :
        new String[][] {
          {"outbox.relay.check-back.source=http", "outbox.relay.check-back.url must be set"},
          {
            "outbox.relay.check-back.datasource.url=postgres://db/orders",
            "outbox.relay.check-back.datasource.url must be a Connector/J URL"
          },
          // a replica may not have seen a commit: the check-back would cancel its message
          {
            "outbox.relay.check-back.datasource.url=jdbc:mysql:replication://primary,replica/orders",
            "outbox.relay.check-back.datasource.url must name one server, the business database's"
                + " primary"
          },
          {
            "outbox.relay.check-back.datasource.url=jdbc:mysql:loadbalance://db1,db2/orders",
            "outbox.relay.check-back.datasource.url must name one server"
          },
          {
            "outbox.relay.check-back.datasource.url=jdbc:mysql://primary:3306,replica:3306/orders",
            "outbox.relay.check-back.datasource.url must name one server"
          },
          {
            "outbox.relay.check-back.datasource.url=jdbc:mysql://[primary,replica]/orders",
            "outbox.relay.check-back.datasource.url must name one server"
          },
          {
            "outbox.relay.check-back.transaction-timeout=10s",
            "outbox.relay.check-back.transaction-timeout (10s) must not be below"
          }
        }) {
      runner()
          .withPropertyValues(bootstrapServers(), "outbox.relay.enabled=true", bad[0])
          .run(
              context ->
                  assertThat(context)
                      .getFailure()
                      .rootCause()
                      .isInstanceOf(InvalidSettingException.class)
                      .hasMessageStartingWith(bad[1]));
    }
  }

  @Test
  void offUnlessEnabled() {
    runner()
        .withPropertyValues(bootstrapServers())
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .doesNotHaveBean(OutboxRelay.class)
                    .doesNotHaveBean(RelaySettings.class)
                    .doesNotHaveBean(OutboxRelayLifecycle.class)
                    .doesNotHaveBean("kafkaHealthIndicator"));
  }

  @Test
  void backsOffWithoutDataSource() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                OutboxRelayAutoConfiguration.class, OutboxRelayHealthAutoConfiguration.class))
        .withPropertyValues("outbox.relay.enabled=true", bootstrapServers())
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(OutboxRelay.class));
  }

  @Test
  void startsWithTheContextAndStopsWithIt() {
    AtomicReference<OutboxRelay> relayRef = new AtomicReference<>();
    runner()
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues(
            "outbox.relay.enabled=true",
            bootstrapServers(),
            "outbox.relay.workers=2",
            "outbox.relay.poll-interval=50ms",
            "outbox.relay.instance-id=auto-configuration-test")
        .run(
            context -> {
              assertThat(context)
                  .hasNotFailed()
                  .hasSingleBean(OutboxRelay.class)
                  .hasSingleBean(OutboxRelayLifecycle.class);
              OutboxRelay relay = context.getBean(OutboxRelay.class);
              relayRef.set(relay);
              RelaySettings settings = context.getBean(RelaySettings.class);
              assertThat(settings.workers()).isEqualTo(2);
              assertThat(settings.pollInterval()).isEqualTo(Duration.ofMillis(50));
              assertThat(settings.instanceId()).isEqualTo("auto-configuration-test");
              assertThat(context.getBean(OutboxRelayLifecycle.class).isRunning()).isTrue();

              await("the relay takes lane leases once the lifecycle started")
                  .atMost(Duration.ofSeconds(30))
                  .until(() -> !relay.ownedLanes().isEmpty());

              // Its meters go to the application's registry.
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              await("the owned lanes gauge")
                  .atMost(Duration.ofSeconds(10))
                  .until(
                      () -> {
                        var gauge = registry.find("outbox.lanes.owned").gauge();
                        return gauge != null && gauge.value() > 0;
                      });

              HealthIndicator kafka =
                  context.getBean("kafkaHealthIndicator", HealthIndicator.class);
              await("kafka health")
                  .atMost(Duration.ofSeconds(15))
                  .until(() -> Status.UP.equals(kafka.health().getStatus()));
            });
    // Closing the context stopped the relay: its leases are released.
    assertThat(relayRef.get()).isNotNull();
    assertThat(relayRef.get().ownedLanes()).isEmpty();
  }

  /**
   * Issue 19, kind 6: {@code db} stays UP on a database that answers reads but refuses writes,
   * while every round fails; {@code relayDatabase} goes DOWN with the server's reason, and UP again
   * once writes are accepted. The relay's user has no SUPER, so {@code read_only} applies to it.
   */
  @Test
  void relayDatabaseHealthIsDownWhileTheDatabaseRefusesWrites() {
    String user = "relay_health_" + Long.toHexString(System.nanoTime());
    org.springframework.jdbc.core.JdbcTemplate root =
        new org.springframework.jdbc.core.JdbcTemplate(database.dataSource());
    root.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'relay-pass'");
    root.execute("GRANT ALL PRIVILEGES ON `" + database.name() + "`.* TO '" + user + "'@'%'");
    try {
      runner()
          .withPropertyValues(
              "spring.datasource.username=" + user,
              "spring.datasource.password=relay-pass",
              "outbox.relay.enabled=true",
              bootstrapServers(),
              "outbox.relay.lease-duration=3s",
              "outbox.relay.send-timeout=2s",
              "outbox.relay.max-block=1s",
              "outbox.relay.instance-id=health-test")
          .run(
              context -> {
                assertThat(context).hasNotFailed();
                HealthIndicator writes =
                    context.getBean("relayDatabaseHealthIndicator", HealthIndicator.class);
                await("relayDatabase UP")
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> Status.UP.equals(writes.health().getStatus()));

                root.execute("SET GLOBAL read_only = ON");
                try {
                  // an idle relay writes when it renews its leases, every third of lease-duration
                  await("relayDatabase DOWN while the database refuses writes")
                      .atMost(Duration.ofSeconds(10))
                      .until(() -> Status.DOWN.equals(writes.health().getStatus()));
                  assertThat(String.valueOf(writes.health().getDetails().get("reason")))
                      .startsWith("the database refuses writes (error 1290")
                      .contains("--read-only");
                  // Boot's db indicator, on the same pool: it only reads
                  HealthIndicator db =
                      new org.springframework.boot.jdbc.health.DataSourceHealthIndicator(
                          context.getBean(javax.sql.DataSource.class));
                  assertThat(db.health().getStatus()).isEqualTo(Status.UP);
                } finally {
                  root.execute("SET GLOBAL read_only = OFF");
                }
                await("relayDatabase UP once writes are accepted again")
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> Status.UP.equals(writes.health().getStatus()));
              });
    } finally {
      root.execute("SET GLOBAL read_only = OFF");
      root.execute("DROP USER '" + user + "'@'%'");
    }
  }

  @Test
  void invalidSettingStopsStartUpWithOneLineNamingTheProperty() {
    runner()
        .withPropertyValues(
            "outbox.relay.enabled=true", bootstrapServers(), "outbox.relay.batch-size=0")
        .run(
            context -> {
              assertThat(context)
                  .getFailure()
                  .rootCause()
                  .isInstanceOf(InvalidSettingException.class)
                  .hasMessage("outbox.relay.batch-size must be between 1 and 10000, was 0");

              FailureAnalysis analysis = analyze(context.getStartupFailure());
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription())
                  .isEqualTo("outbox.relay.batch-size must be between 1 and 10000, was 0");
              assertThat(analysis.getAction())
                  .contains("outbox.relay.batch-size")
                  .contains("OUTBOX_RELAY_BATCH_SIZE");
            });
  }

  @Test
  void missingBootstrapServersStopsStartUpNamingTheProperty() {
    runner()
        .withPropertyValues("outbox.relay.enabled=true")
        .run(
            context -> {
              assertThat(context)
                  .getFailure()
                  .rootCause()
                  .isInstanceOf(InvalidSettingException.class)
                  .hasMessageStartingWith("outbox.relay.kafka.bootstrap-servers must be set");
              FailureAnalysis analysis = analyze(context.getStartupFailure());
              assertThat(analysis.getAction())
                  .contains("outbox.relay.kafka.bootstrap-servers")
                  .contains("OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS");
            });
  }

  @Test
  void aMariaDbUrlStopsStartUpNamingTheUrlToUse() {
    runner()
        .withPropertyValues(
            "spring.datasource.url=jdbc:mariadb://127.0.0.1:3306/shop",
            "outbox.relay.enabled=true",
            bootstrapServers())
        .run(
            context -> {
              assertThat(context)
                  .getFailure()
                  .rootCause()
                  .isInstanceOf(ClassNotFoundException.class);
              FailureAnalysis analysis = analyze(context.getStartupFailure());
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription())
                  .contains("org.mariadb.jdbc.Driver")
                  .contains("MySQL Connector/J");
              assertThat(analysis.getAction()).startsWith("Use a jdbc:mysql:// URL for MariaDB");
            });
    assertThat(analyze(new IllegalStateException(new ClassNotFoundException("com.example.Thing"))))
        .isNull();
  }

  @Test
  void registeredFailureAnalyzersLeaveOtherFailuresToBoot() {
    assertThat(analyze(new IllegalStateException("x", new IllegalArgumentException("other"))))
        .isNull();
  }

  /** What the failure analyzers registered in META-INF/spring.factories make of {@code failure}. */
  private static FailureAnalysis analyze(Throwable failure) {
    return SpringFactoriesLoader.forDefaultResourceLocation()
        .load(
            FailureAnalyzer.class,
            null,
            // Boot's own analyzers take constructor arguments: skip those.
            (type, implementation, error) -> {})
        .stream()
        .filter(analyzer -> analyzer.getClass().getName().startsWith("dev.outboxrelay."))
        .map(analyzer -> analyzer.analyze(failure))
        .filter(java.util.Objects::nonNull)
        .findFirst()
        .orElse(null);
  }

  @Test
  void relayStopsBeforeTheWebServer() {
    // Lifecycles stop from the highest phase down; the DataSource closes after all of them.
    assertThat(OutboxRelayLifecycle.PHASE)
        .isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE)
        .isGreaterThan(WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE);
  }

  @Test
  void ideMetadataDescribesTheRelayProperties() throws Exception {
    // outbox-api ships its own metadata file under the same name: read every one.
    StringBuilder all = new StringBuilder();
    Enumeration<URL> files =
        getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
    while (files.hasMoreElements()) {
      try (InputStream in = files.nextElement().openStream()) {
        all.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    assertThat(all.toString())
        .as("generated by spring-boot-configuration-processor from OutboxRelayProperties")
        .contains("\"outbox.relay.enabled\"")
        .contains("\"outbox.relay.batch-size\"")
        .contains("\"outbox.relay.kafka.bootstrap-servers\"")
        .contains("\"outbox.relay.backoff.initial\"")
        .contains("\"outbox.relay.purge.batch-size\"");
  }

  @Test
  void libraryJarShipsNoApplicationProperties() {
    // The relay application's defaults are loaded by OutboxRelayApplication only; a classpath
    // application.properties would configure every application that uses outbox-relay as a library.
    assertThat(OutboxRelayAutoConfiguration.class.getResource("/application.properties")).isNull();
    assertThat(OutboxRelayApplication.defaults()).containsEntry("outbox.relay.enabled", "true");
  }
}
