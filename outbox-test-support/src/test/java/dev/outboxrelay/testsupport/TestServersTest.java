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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
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

    try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers(), 30_000)) {
      producer.send(new ProducerRecord<>(topic, "k", "before outage")).get(30, TimeUnit.SECONDS);
    }
    assertThat(readValues(kafka.bootstrapServers(), topic, 1)).containsExactly("before outage");

    kafka.stop();

    assertThat(kafka.isRunning()).isFalse();
    try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers(), 2_000)) {
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
    try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers(), 30_000)) {
      producer.send(new ProducerRecord<>(topic, "k", "after outage")).get(30, TimeUnit.SECONDS);
    }
    assertThat(readValues(kafka.bootstrapServers(), topic, 2))
        .containsExactly("before outage", "after outage");
  }

  @Test
  void kafkaClusterKeepsAcknowledgedRecordsThroughACrashedLeaderAndAFrozenFollower()
      throws Exception {
    KafkaCluster cluster = TestServers.kafkaCluster();
    assertThat(TestServers.kafkaCluster()).isSameAs(cluster);
    assertThat(cluster.nodeIds()).containsExactly(1, 2, 3);
    String topic = "test-support-cluster";
    cluster.createTopic(topic, 1);
    assertThat(durabilityOf(cluster, topic))
        .containsExactly("3", "2", "false"); // replicas, min.insync.replicas, unclean election
    // the frozen follower may be the active controller, replaced before it is fenced: more time
    try (KafkaProducer<String, String> producer =
        producer(cluster.bootstrapServers(), 30_000, 25_000)) {
      producer.send(new ProducerRecord<>(topic, "k", "before")).get(30, TimeUnit.SECONDS);

      int leader = cluster.leader(topic, 0);
      cluster.kill(leader);
      assertThat(cluster.isRunning(leader)).isFalse();
      int newLeader =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> cluster.leader(topic, 0), next -> next != -1 && next != leader);
      producer.send(new ProducerRecord<>(topic, "k", "crashed leader")).get(30, TimeUnit.SECONDS);

      cluster.start(leader);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.inSyncReplicas(topic, 0), isr -> isr.size() == 3);
      int follower = 6 - leader - newLeader; // the third node
      cluster.pause(follower);
      cluster.pause(follower); // pausing twice is harmless
      // a frozen follower leaves the ISR; the two others still meet min.insync.replicas
      producer.send(new ProducerRecord<>(topic, "k", "frozen follower")).get(30, TimeUnit.SECONDS);
      cluster.resume(follower);
    }
    assertThat(readValues(cluster.bootstrapServers(), topic, 3))
        .containsExactly("before", "crashed leader", "frozen follower");
    cluster.kill(1);
    cluster.pause(2);
    cluster.restore();
    assertThat(cluster.nodeIds()).allMatch(cluster::isRunning);
    cluster.createTopic(topic + "-after-restore", 1); // all three replicas in sync again
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

  private static KafkaProducer<String, String> producer(String bootstrapServers, int maxBlockMs) {
    // Short delivery timeouts during the outage so the send fails within the test's bound.
    int requestTimeoutMs = Math.min(maxBlockMs, 10_000);
    return producer(bootstrapServers, maxBlockMs, requestTimeoutMs + 1_000);
  }

  private static KafkaProducer<String, String> producer(
      String bootstrapServers, int maxBlockMs, int deliveryTimeoutMs) {
    int requestTimeoutMs = Math.min(maxBlockMs, deliveryTimeoutMs - 1_000);
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            maxBlockMs,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            requestTimeoutMs,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            deliveryTimeoutMs,
            ProducerConfig.LINGER_MS_CONFIG,
            0),
        new StringSerializer(),
        new StringSerializer());
  }

  /** Reads partition 0 from the start until {@code count} records arrived, bounded by 30 s. */
  private static List<String> readValues(String bootstrapServers, String topic, int count) {
    TopicPartition partition = new TopicPartition(topic, 0);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
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

  /** The topic's replication factor, min.insync.replicas and unclean.leader.election.enable. */
  private static List<String> durabilityOf(KafkaCluster cluster, String topic) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config =
          admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
      int replicas =
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(topic)
              .partitions()
              .get(0)
              .replicas()
              .size();
      return List.of(
          Integer.toString(replicas),
          config.get("min.insync.replicas").value(),
          config.get("unclean.leader.election.enable").value());
    }
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
