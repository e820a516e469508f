package dev.outboxrelay.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.MessageStoreOutbox;
import dev.outboxrelay.MsgSender;
import dev.outboxrelay.Outbox;
import dev.outboxrelay.OutboxSettings;
import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.internal.MicrometerPublishListener;
import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.transaction.PlatformTransactionManager;

class OutboxAutoConfigurationTests {
  private static TestDatabase database;

  @BeforeAll
  static void createDatabase() {
    database = TestServers.database().createDatabase("boot");
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(OutboxAutoConfiguration.class))
        .withBean(DataSource.class, database::dataSource)
        .withBean(
            PlatformTransactionManager.class,
            () -> new DataSourceTransactionManager(database.dataSource()));
  }

  @Test
  void messageStoreModeBuildsTheMessageDatabasesPoolBesideTheApplicationsOwnDataSource() {
    try (TestDatabase business = TestServers.database().createDatabase("boot_business");
        TestDatabase messages = TestServers.database().createDatabase("boot_messages")) {
      business.runScript(dev.outboxrelay.internal.OutboxSchema.mysqlScripts());
      messages.runScript(dev.outboxrelay.internal.OutboxSchema.mysqlScripts());
      // as in an application: Boot's DataSource, JdbcTemplate and transaction manager
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class,
                  org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration.class,
                  org.springframework.boot.jdbc.autoconfigure
                      .DataSourceTransactionManagerAutoConfiguration.class,
                  OutboxAutoConfiguration.class))
          .withPropertyValues(
              "spring.datasource.url=" + business.jdbcUrl(),
              "spring.datasource.username=" + business.username(),
              "spring.datasource.password=" + business.password(),
              "outbox.mode=message-store",
              "outbox.message-store.datasource.url=" + messages.jdbcUrl(),
              "outbox.message-store.datasource.username=" + messages.username(),
              "outbox.message-store.datasource.password=" + messages.password(),
              "outbox.message-store.datasource.maximum-pool-size=3")
          .withUserConfiguration(Approach5.class)
          .run(
              context -> {
                assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(Outbox.class)
                    .hasSingleBean(MessageStoreOutbox.class);
                // created before the outbox (user configuration first): matched by declared type
                assertThat(context.getBean(Approach5Service.class).outbox())
                    .isSameAs(context.getBean(Outbox.class));
                // the message database does not take the business one's place: injection by
                // type, JdbcTemplate and the transaction manager still get the business database
                assertThat(context)
                    .hasSingleBean(org.springframework.jdbc.core.JdbcTemplate.class)
                    .hasSingleBean(PlatformTransactionManager.class);
                DataSource messagePool =
                    context.getBean(
                        dev.outboxrelay.OutboxConfiguration.MESSAGE_DATA_SOURCE, DataSource.class);
                assertThat(context.getBean(DataSource.class)).isNotSameAs(messagePool);
                com.zaxxer.hikari.HikariDataSource hikari =
                    (com.zaxxer.hikari.HikariDataSource) messagePool;
                assertThat(hikari.getMaximumPoolSize()).isEqualTo(3);
                // a message database that hangs fails the business call after these, never holds it
                assertThat(hikari.getConnectionTimeout()).isEqualTo(5_000);
                assertThat(hikari.getDataSourceProperties())
                    .containsEntry("connectTimeout", "5000")
                    .containsEntry("socketTimeout", "10000");
                long id =
                    context
                        .getBean(Outbox.class)
                        .send(
                            dev.outboxrelay.OutboxMessage.builder("orders")
                                .payload("p")
                                .reference(1, "boot-1")
                                .build());
                assertThat(
                        new org.springframework.jdbc.core.JdbcTemplate(messages.dataSource())
                            .queryForObject(
                                "SELECT COUNT(*) FROM t_msg WHERE id = ?", Integer.class, id))
                    .isEqualTo(1);
                assertThat(
                        context
                            .getBean(org.springframework.jdbc.core.JdbcTemplate.class)
                            .queryForObject(
                                "SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'boot-1'",
                                Integer.class))
                    .isEqualTo(1);
              });
    }
  }

  /** A service of approach 5: needs the message-store outbox. */
  record Approach5Service(MessageStoreOutbox outbox) {}

  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class Approach5 {
    @org.springframework.context.annotation.Bean
    Approach5Service approach5Service(MessageStoreOutbox outbox) {
      return new Approach5Service(outbox);
    }
  }

  @Test
  void injectingTheMessageStoreOutboxInSameDatabaseModeStopsStartUpSayingToSetTheMode() {
    runner()
        .withUserConfiguration(Approach5.class)
        .run(
            context -> {
              assertThat(context)
                  .getFailure()
                  .rootCause()
                  .isInstanceOf(NoSuchBeanDefinitionException.class);
              FailureAnalysis analysis =
                  new MissingOutboxFailureAnalyzer(new MockEnvironment())
                      .analyze(context.getStartupFailure());
              assertThat(analysis).isNotNull();
              assertThat(analysis.getAction()).startsWith("Set outbox.mode=message-store");
            });
    // Spring Boot finds it, and asks it before its own "no qualifying bean" analysis (which
    // needs the bean factory; analyzers that need more are left out here)
    java.util.List<FailureAnalyzer> analyzers =
        SpringFactoriesLoader.forDefaultResourceLocation()
            .load(
                FailureAnalyzer.class,
                SpringFactoriesLoader.ArgumentResolver.of(
                        org.springframework.beans.factory.BeanFactory.class,
                        new org.springframework.beans.factory.support.DefaultListableBeanFactory())
                    .and(
                        org.springframework.core.env.Environment.class,
                        new org.springframework.core.env.StandardEnvironment()),
                SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> {}));
    assertThat(analyzers).first().isInstanceOf(MissingOutboxFailureAnalyzer.class);
    assertThat(analyzers)
        .anyMatch(a -> a.getClass().getSimpleName().equals("NoSuchBeanDefinitionFailureAnalyzer"));
  }

  /** A service that sends: needs an Outbox. */
  record SendingService(Outbox outbox) {}

  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class Sending {
    @org.springframework.context.annotation.Bean
    SendingService sendingService(Outbox outbox) {
      return new SendingService(outbox);
    }
  }

  @Test
  void injectingAnOutboxThatWasTurnedOffStopsStartUpNamingTheSetting() {
    for (Class<?> config : new Class<?>[] {Sending.class, Approach5.class}) {
      runner()
          .withPropertyValues("outbox.enabled=false")
          .withUserConfiguration(config)
          .run(
              context -> {
                FailureAnalysis analysis =
                    new MissingOutboxFailureAnalyzer(
                            new MockEnvironment().withProperty("outbox.enabled", "false"))
                        .analyze(context.getStartupFailure());
                assertThat(analysis).isNotNull();
                assertThat(analysis.getDescription()).contains("outbox.enabled=false");
                assertThat(analysis.getAction()).startsWith("Remove outbox.enabled=false");
              });
    }
  }

  @Test
  void injectingAnOutboxWithoutADataSourceStopsStartUpSayingWhatItNeeds() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(OutboxAutoConfiguration.class))
        .withUserConfiguration(Sending.class)
        .run(
            context -> {
              FailureAnalysis analysis =
                  new MissingOutboxFailureAnalyzer(new MockEnvironment())
                      .analyze(context.getStartupFailure());
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription()).contains("DataSource");
              assertThat(analysis.getAction()).contains("spring.datasource.url");
            });
  }

  @Test
  void anOutboxSettingsBeanWhoseModeIsNotOutboxModeStopsStartUpInOneLine() {
    runner()
        .withBean(
            OutboxSettings.class,
            () -> OutboxSettings.builder().mode(OutboxSettings.Mode.MESSAGE_STORE).build())
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageStartingWith(
                        "the OutboxSettings have outbox.mode=message-store but the outbox is"
                            + " registered for outbox.mode=same-database: in Spring Boot set"
                            + " outbox.mode=message-store"));
  }

  @Test
  void messageStoreModeWithoutAMessageDatabaseStopsStartUpSayingWhatToSet() {
    for (String url : new String[] {null, "postgres://db/messages"}) {
      // bound as the properties are: MESSAGE_STORE selects message-store mode too
      ApplicationContextRunner runner =
          runner()
              .withPropertyValues(
                  "outbox.mode=" + (url == null ? "MESSAGE_STORE" : "message-store"));
      if (url != null) {
        runner = runner.withPropertyValues("outbox.message-store.datasource.url=" + url);
      }
      runner.run(
          context ->
              assertThat(context)
                  .getFailure()
                  .rootCause()
                  .hasMessageContaining(
                      url == null
                          ? "outbox.mode=message-store needs the message database: set"
                              + " outbox.message-store.datasource.url"
                          : "outbox.message-store.datasource.url must be a JDBC URL"));
    }
  }

  @Test
  void bindsOutboxPropertiesIntoValidatedSettings() {
    runner()
        .withPropertyValues(
            "outbox.default-topic=points",
            "outbox.lanes=8",
            "outbox.key-order=insert",
            "outbox.max-payload-bytes=2048",
            "outbox.fast-path.ack-timeout=3s",
            "outbox.kafka.properties.linger.ms=2")
        .run(
            context -> {
              assertThat(context).hasSingleBean(Outbox.class).hasSingleBean(MsgSender.class);
              OutboxSettings settings = context.getBean(OutboxSettings.class);
              assertThat(settings.defaultTopic()).isEqualTo("points");
              assertThat(settings.lanes()).isEqualTo(8);
              assertThat(settings.keyOrder()).isEqualTo(OutboxSettings.KeyOrder.INSERT);
              assertThat(settings.maxPayloadBytes()).isEqualTo(2048);
              assertThat(settings.fastPath().ackTimeout()).isEqualTo(Duration.ofSeconds(3));
              assertThat(settings.kafka().properties()).containsEntry("linger.ms", "2");
              assertThat(settings.fastPathActive()).isFalse();
            });
  }

  @Test
  void invalidPropertyStopsStartUpNamingIt() {
    runner()
        .withPropertyValues("outbox.lanes=0")
        .run(
            context -> {
              assertThat(context)
                  .getFailure()
                  .rootCause()
                  .isInstanceOf(InvalidSettingException.class)
                  .hasMessage("outbox.lanes must be between 1 and 1024, was 0");
              // which outbox-core's failure analyzer reports in one line (InvalidSettingTests)
            });
  }

  /** A service of the article's shape: sends through the facade. */
  record PointsService(MsgSender sender) {}

  @Test
  void aMsgSenderInjectedWithoutADefaultTopicStopsStartUpNamingThePropertyAndItsUser() {
    runner()
        .withBean("pointsService", PointsService.class)
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessageStartingWith(
                        "outbox.default-topic must be set: the MsgSender injected into"
                            + " pointsService sends every message to that topic"));
    // a service that sends with Outbox.send only needs no default topic
    runner().run(context -> assertThat(context).hasNotFailed().hasSingleBean(MsgSender.class));
    runner()
        .withPropertyValues("outbox.default-topic=points")
        .withBean("pointsService", PointsService.class)
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(PointsService.class));
  }

  @Test
  void fastPathMetersGoToTheApplicationsMeterRegistryWhenItHasOne() {
    runner()
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context ->
                assertThat(context)
                    .getBean(PublishListener.class)
                    .isInstanceOf(MicrometerPublishListener.class));
    runner().run(context -> assertThat(context).doesNotHaveBean(PublishListener.class));
  }

  @Test
  void aFastPathDeliveryTimeoutThatWouldHoldRowsTooLongOrThatKafkaRefusesStopsStartUp() {
    // a row still in flight after the ack timeout is kept from the relay that long
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.delivery.timeout.ms=300001"))
        .startsWith("outbox.kafka.properties.delivery.timeout.ms must be between")
        .endsWith("was 300001");
    // Kafka's own rule: delivery.timeout.ms >= linger.ms + request.timeout.ms
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.linger.ms=100",
                "outbox.kafka.properties.request.timeout.ms=5000",
                "outbox.kafka.properties.delivery.timeout.ms=5050"))
        .startsWith(
            "outbox.kafka.properties.delivery.timeout.ms must be between linger.ms +"
                + " request.timeout.ms (5100) and 300000");
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.request.timeout.ms=soon"))
        .startsWith("outbox.kafka.properties.request.timeout.ms must be a whole number");
    // the delivery timeout left to the outbox: the error names what the user set
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.request.timeout.ms=600000"))
        .startsWith(
            "outbox.kafka.properties.request.timeout.ms is too long: linger.ms +"
                + " request.timeout.ms (600000 ms) must fit in the producer's delivery.timeout.ms,"
                + " 300000 ms here");
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.delivery.timeout.ms=99999999999"))
        .startsWith(
            "outbox.kafka.properties.delivery.timeout.ms must be a whole number from 0 to"
                + " 2147483647");
  }

  @Test
  void kafkaSettingsTheProducerRefusesStopStartUpNamingTheProperty() {
    assertThat(startUpFailure("outbox.kafka.bootstrap-servers=kafka-no-port"))
        .startsWith("outbox.kafka.bootstrap-servers is refused by Kafka's producer:");
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.compression.type=bogus"))
        .startsWith("outbox.kafka.properties is refused by Kafka's producer:")
        .contains("compression.type");
    // refused while the producer is built, not by its config parser: still one line
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.security.protocol=SSL",
                "outbox.kafka.properties.ssl.truststore.location=/nonexistent/truststore.jks",
                "outbox.kafka.properties.ssl.truststore.password=Tr0st-S3cret"))
        .startsWith("outbox.kafka.properties is refused by Kafka's producer:")
        .contains("/nonexistent/truststore.jks")
        .doesNotContain("Tr0st-S3cret");
    assertThat(
            startUpFailure(
                "outbox.kafka.bootstrap-servers=localhost:9",
                "outbox.kafka.properties.security.protocol=SASL_PLAINTEXT",
                "outbox.kafka.properties.sasl.mechanism=PLAIN",
                "outbox.kafka.properties.sasl.jaas.config=garbage password=S3cret-Jaas"))
        .startsWith("outbox.kafka.properties is refused by Kafka's producer:")
        .doesNotContain("S3cret-Jaas");
  }

  /** The message of the InvalidSettingException that stops start-up with these properties. */
  private String startUpFailure(String... properties) {
    String[] message = new String[1];
    runner()
        .withPropertyValues(properties)
        .run(
            context -> {
              assertThat(context)
                  .getFailure()
                  .rootCause()
                  .isInstanceOf(InvalidSettingException.class);
              message[0] =
                  org.assertj.core.util.Throwables.getRootCause(context.getStartupFailure())
                      .getMessage();
            });
    return message[0];
  }

  @Test
  void canBeSwitchedOff() {
    runner()
        .withPropertyValues("outbox.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(Outbox.class));
  }

  @Test
  void withoutDataSourceBacksOff() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(OutboxAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(Outbox.class));
  }

  @Test
  void ideMetadataDescribesTheProperties() throws Exception {
    try (InputStream metadata =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(metadata).as("generated by spring-boot-configuration-processor").isNotNull();
      assertThat(new String(metadata.readAllBytes(), StandardCharsets.UTF_8))
          .contains("\"outbox.fast-path.ack-timeout\"")
          .contains("\"outbox.kafka.bootstrap-servers\"")
          .contains("\"outbox.max-payload-bytes\"");
    }
  }
}
