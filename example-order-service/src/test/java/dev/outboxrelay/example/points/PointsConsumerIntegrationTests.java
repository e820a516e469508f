package dev.outboxrelay.example.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.example.Http;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The points service on the real MariaDB and Kafka: each event is credited exactly once, a record
 * delivered again is a counted duplicate that changes nothing, and a record it cannot credit is
 * rejected without stopping the others.
 */
class PointsConsumerIntegrationTests {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private TestDatabase database;
  private ConfigurableApplicationContext service;
  private OrderEventsConsumer consumer;
  private JdbcTemplate jdbc;
  private KafkaProducer<String, String> producer;
  private String topic;
  private String url;

  @BeforeEach
  void start() {
    DatabaseServer server = TestServers.database();
    database = server.createDatabase("points");
    topic = "points-" + UUID.randomUUID();
    TestServers.kafka().createTopic(topic, 1);
    service =
        PointsServiceApplication.application()
            .run(
                "--server.port=0",
                "--spring.datasource.url=" + database.jdbcUrl(),
                "--spring.datasource.username=" + server.username(),
                "--spring.datasource.password=" + server.password(),
                "--points.kafka-bootstrap-servers=" + TestServers.kafka().bootstrapServers(),
                "--points.topic=" + topic,
                "--points.group-id=" + topic);
    consumer = service.getBean(OrderEventsConsumer.class);
    jdbc = new JdbcTemplate(database.dataSource());
    url =
        "http://127.0.0.1:"
            + service.getEnvironment().getRequiredProperty("local.server.port")
            + "/points/";
    producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafka().bootstrapServers()),
            new StringSerializer(),
            new StringSerializer());
  }

  @AfterEach
  void stop() {
    producer.close();
    service.close();
    database.close();
  }

  @Test
  void theSameEventDeliveredTwiceIsCreditedOnce() {
    send("41", "{\"orderId\": 7, \"userId\": \"u-1\", \"amount\": 12.50}");
    send("41", "{\"orderId\": 7, \"userId\": \"u-1\", \"amount\": 12.50}");

    await().atMost(WAIT).until(() -> consumer.stats().duplicates() == 1);
    assertThat(consumer.stats().credited()).isEqualTo(1);
    assertThat(count("t_inbox")).isEqualTo(1);
    assertThat(count("t_points_credit")).isEqualTo(1);
    Http.Response balance = Http.get(url + "u-1");
    assertThat(balance.status()).isEqualTo(200);
    assertThat(balance.body().get("points").asLong()).isEqualTo(12);
  }

  @Test
  void aDuplicateInALaterBatchChangesNothingEither() {
    send("50", "{\"orderId\": 8, \"userId\": \"u-2\", \"amount\": 3.99}");
    await().atMost(WAIT).until(() -> consumer.stats().credited() == 1);

    send("50", "{\"orderId\": 8, \"userId\": \"u-2\", \"amount\": 3.99}");
    send("51", "{\"orderId\": 9, \"userId\": \"u-2\", \"amount\": 1.00}");

    await().atMost(WAIT).until(() -> consumer.stats().credited() == 2);
    assertThat(consumer.stats().duplicates()).isEqualTo(1);
    assertThat(Http.get(url + "u-2").body().get("points").asLong()).isEqualTo(3 + 1);
  }

  @Test
  void aRecordThatCannotBeCreditedIsRejectedAndTheOthersGoOn() {
    producer.send(new ProducerRecord<>(topic, "u-3", "{\"orderId\": 1, \"userId\": \"u-3\"}"));
    send("60", "not json");
    send("61", "{\"orderId\": 10, \"userId\": \"u-3\"}");
    send("62", "{\"orderId\": 11, \"userId\": \"u-3\", \"amount\": 2.00}");

    await().atMost(WAIT).until(() -> consumer.stats().credited() == 1);
    assertThat(consumer.stats().rejected()).isEqualTo(3);
    assertThat(Http.get(url + "u-3").body().get("points").asLong()).isEqualTo(2);
    assertThat(Http.get(url + "nobody").body().get("points").asLong()).isZero();
  }

  @Test
  void databaseDownIsA503ProblemAndCreditingResumesAfterIt() {
    TestServers.database().stop();
    try {
      send("70", "{\"orderId\": 12, \"userId\": \"u-4\", \"amount\": 7.00}");
      Http.Response response = Http.get(url + "u-4");

      assertThat(response.status()).isEqualTo(503);
      assertThat(response.contentType()).startsWith("application/problem+json");
    } finally {
      TestServers.database().start();
    }
    // the record that arrived while the database was down is credited once it is back
    await().atMost(Duration.ofSeconds(60)).until(() -> consumer.stats().credited() == 1);
    assertThat(Http.get(url + "u-4").body().get("points").asLong()).isEqualTo(7);
  }

  private void send(String outboxId, String payload) {
    ProducerRecord<String, String> record = new ProducerRecord<>(topic, "key", payload);
    record.headers().add("outbox-id", outboxId.getBytes(StandardCharsets.UTF_8));
    producer.send(record);
    producer.flush();
  }

  private int count(String table) {
    return jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
  }
}
