package dev.outboxrelay.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class TestServersTest {

  @Test
  void databaseServerIsTheExpectedMySqlCompatibleServer() throws SQLException {
    DatabaseServer server = TestServers.database();

    assertThat(TestServers.database()).isSameAs(server);
    String expectedVersion =
        ServerMode.fromSystemProperties() == ServerMode.EMBEDDED ? "11.4" : "8.4";
    assertThat(queryString(server.jdbcUrl(""), server, "SELECT VERSION()"))
        .contains(expectedVersion);
    assertThat(server.jdbcUrl("orders"))
        .startsWith("jdbc:mysql://" + server.host() + ":" + server.port() + "/orders?")
        .contains("sslMode=DISABLED", "rewriteBatchedStatements=true");
  }

  @Test
  void createdDatabaseRunsScriptsAndIsDroppedOnClose() throws SQLException {
    DatabaseServer server = TestServers.database();
    TestDatabase database = server.createDatabase("support_test");

    assertThat(database.name()).matches("support_test_\\d+");
    database.runScript("dev/outboxrelay/testsupport/greetings.sql");
    DataSource dataSource = database.dataSource();
    assertThat(database.dataSource()).isSameAs(dataSource);
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT text FROM greeting ORDER BY id")) {
      List<String> texts = new ArrayList<>();
      while (rows.next()) {
        texts.add(rows.getString(1));
      }
      assertThat(texts).containsExactly("hello", "grüß dich 🙂");
    }
    assertThat(databaseExists(server, database.name())).isTrue();

    database.close();

    assertThat(databaseExists(server, database.name())).isFalse();
    assertThatThrownBy(database::dataSource).isInstanceOf(IllegalStateException.class);
    database.close(); // closing twice is harmless
  }

  @Test
  void runScriptNamesAMissingResource() {
    try (TestDatabase database = TestServers.database().createDatabase("missing_script")) {
      assertThatThrownBy(() -> database.runScript("no/such/script.sql"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no/such/script.sql");
    }
  }

  @Test
  void kafkaBrokerSurvivesAnOutageWithItsData() throws Exception {
    KafkaBroker kafka = TestServers.kafka();
    assertThat(TestServers.kafka()).isSameAs(kafka);
    String topic = "test-support-outage";
    kafka.createTopic(topic, 1);
    kafka.createTopic(topic, 1); // an existing topic with the same partitions is accepted

    try (KafkaProducer<String, String> producer = producer(kafka, 30_000)) {
      producer.send(new ProducerRecord<>(topic, "k", "before outage")).get(30, TimeUnit.SECONDS);
    }
    assertThat(readValues(kafka, topic, 1)).containsExactly("before outage");

    kafka.stop();

    assertThat(kafka.isRunning()).isFalse();
    try (KafkaProducer<String, String> producer = producer(kafka, 2_000)) {
      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>(topic, "k", "during outage"))
                      .get(15, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
    }

    kafka.start();

    assertThat(kafka.isRunning()).isTrue();
    try (KafkaProducer<String, String> producer = producer(kafka, 30_000)) {
      producer.send(new ProducerRecord<>(topic, "k", "after outage")).get(30, TimeUnit.SECONDS);
    }
    assertThat(readValues(kafka, topic, 2)).containsExactly("before outage", "after outage");
  }

  @Test
  void serverModeDefaultsToEmbeddedAndRejectsUnknownValues() {
    assertThat(ServerMode.parse(null)).isEqualTo(ServerMode.EMBEDDED);
    assertThat(ServerMode.parse("")).isEqualTo(ServerMode.EMBEDDED);
    assertThat(ServerMode.parse("embedded")).isEqualTo(ServerMode.EMBEDDED);
    assertThat(ServerMode.parse("testcontainers")).isEqualTo(ServerMode.TESTCONTAINERS);
    assertThatThrownBy(() -> ServerMode.parse("docker"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("outbox.test.servers")
        .hasMessageContaining("embedded")
        .hasMessageContaining("testcontainers");
  }

  private static KafkaProducer<String, String> producer(KafkaBroker kafka, int maxBlockMs) {
    // Short delivery timeouts during the outage so the send fails within the test's bound.
    int requestTimeoutMs = Math.min(maxBlockMs, 10_000);
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            maxBlockMs,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            requestTimeoutMs,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            requestTimeoutMs + 1_000,
            ProducerConfig.LINGER_MS_CONFIG,
            0),
        new StringSerializer(),
        new StringSerializer());
  }

  /** Reads partition 0 from the start until {@code count} records arrived, bounded by 30 s. */
  private static List<String> readValues(KafkaBroker kafka, String topic, int count) {
    TopicPartition partition = new TopicPartition(topic, 0);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ZERO)
          .until(
              () -> {
                for (ConsumerRecord<String, String> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  values.add(record.value());
                }
                return values.size() >= count;
              });
    }
    return values;
  }

  private static String queryString(String jdbcUrl, DatabaseServer server, String sql)
      throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(jdbcUrl, server.username(), server.password());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static boolean databaseExists(DatabaseServer server, String name) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(server.jdbcUrl(""), server.username(), server.password());
        ResultSet rows = connection.getMetaData().getCatalogs()) {
      while (rows.next()) {
        if (rows.getString(1).equals(name)) {
          return true;
        }
      }
      return false;
    }
  }
}
