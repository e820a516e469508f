package dev.outboxrelay.example.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.example.Http;
import dev.outboxrelay.testsupport.DatabaseServer;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The order service's HTTP contract over real HTTP, on the real MariaDB and Kafka: 201 and the
 * event published; 400 problem details naming the field with nothing written; injected failures;
 * GET.
 */
class OrderHttpContractIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);

  private static TestDatabase database;
  private static ConfigurableApplicationContext service;
  private static JdbcTemplate jdbc;
  private static String topic;
  private static String url;
  private TopicReader reader;

  @BeforeAll
  static void startService() {
    DatabaseServer server = TestServers.database();
    database = server.createDatabase("orders_http");
    topic = "orders-http-" + UUID.randomUUID();
    TestServers.kafka().createTopic(topic, 2);
    service =
        OrderServiceApplication.application()
            .run(
                "--server.port=0",
                "--spring.datasource.url=" + database.jdbcUrl(),
                "--spring.datasource.username=" + server.username(),
                "--spring.datasource.password=" + server.password(),
                "--outbox.kafka.bootstrap-servers=" + TestServers.kafka().bootstrapServers(),
                "--orders.topic=" + topic);
    jdbc = new JdbcTemplate(database.dataSource());
    url =
        "http://127.0.0.1:"
            + service.getEnvironment().getRequiredProperty("local.server.port")
            + "/orders";
  }

  @AfterAll
  static void stopService() {
    service.close();
    database.close();
  }

  @BeforeEach
  void openReader() {
    reader = TopicReader.fromNow(TestServers.kafka().bootstrapServers(), topic);
  }

  @AfterEach
  void closeReader() {
    reader.close();
  }

  @Test
  void placedOrderIsCommittedAndItsEventPublished() {
    Http.Response response = Http.post(url, "{\"userId\": \"u-42\", \"amount\": 12.50}");

    assertThat(response.status()).isEqualTo(201);
    long orderId = response.body().get("orderId").asLong();
    assertThat(response.location()).endsWith("/orders/" + orderId);
    assertThat(
            jdbc.queryForObject(
                "SELECT amount FROM t_order WHERE id = ? AND user_id = 'u-42'",
                java.math.BigDecimal.class,
                orderId))
        .isEqualByComparingTo("12.50");

    List<Received> received = reader.awaitRefId(Long.toString(orderId), DELIVERY);
    Received event = received.get(received.size() - 1);
    assertThat(event.key()).isEqualTo("u-42");
    assertThat(event.headers())
        .containsEntry("outbox-ref-type", Integer.toString(OrderPlaced.ORDER_PLACED));
    assertThat(event.value())
        .contains("\"orderId\":" + orderId)
        .contains("\"userId\":\"u-42\"")
        .contains("\"amount\":12.50");

    await()
        .atMost(DELIVERY)
        .until(() -> "SENT".equals(Http.get(url + "/" + orderId).body().get("delivery").asText()));
    JsonNode order = Http.get(url + "/" + orderId).body();
    assertThat(order.get("orderId").asLong()).isEqualTo(orderId);
    assertThat(order.get("userId").asText()).isEqualTo("u-42");
    assertThat(order.get("amount").decimalValue()).isEqualByComparingTo("12.50");
    // the order's message row carries the global id the record was published under
    assertThat(
            jdbc.queryForObject(
                "SELECT msg_id FROM t_msg WHERE id = ?",
                String.class,
                order.get("messageId").asLong()))
        .isEqualTo(event.outboxId());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          missing user             | {"amount": 1.00}                            | userId
          blank user               | {"userId": " ", "amount": 1.00}             | userId
          user over 64 characters  | {"userId": "%s", "amount": 1.00}            | userId
          user with a slash        | {"userId": "a/b", "amount": 1.00}           | userId
          missing amount           | {"userId": "u-1"}                           | amount
          zero amount              | {"userId": "u-1", "amount": 0}              | amount
          negative amount          | {"userId": "u-1", "amount": -5.00}          | amount
          three decimals           | {"userId": "u-1", "amount": 1.005}          | amount
          amount not a number      | {"userId": "u-1", "amount": "ten"}          | amount
          unknown field            | {"userId": "u-1", "amount": 1, "coupon": 1} | coupon
          malformed JSON           | {"userId": "u-1", "amount":                 | body
          not an object            | [1, 2]                                      | body
          empty body               | ''                                          | body
          """)
  void badRequestIsA400ProblemNamingTheFieldAndWritesNothing(
      String name, String body, String field) {
    int orders = count("t_order");
    int messages = count("t_msg");

    Http.Response response = Http.post(url, body.formatted("x".repeat(65)));

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.contentType()).startsWith("application/problem+json");
    JsonNode problem = response.body();
    assertThat(problem.get("status").asInt()).isEqualTo(400);
    assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo(field);
    assertThat(problem.get("detail").asText()).startsWith(field + ": ");
    assertThat(problem.toString()).doesNotContain("Exception").doesNotContain("xxxxxxxx");
    assertThat(count("t_order")).isEqualTo(orders);
    assertThat(count("t_msg")).isEqualTo(messages);
  }

  @Test
  void aBodyThatIsNotJsonIsA415Problem() {
    Http.Response response =
        Http.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("userId=u-1"))
                .build());

    assertThat(response.status()).isEqualTo(415);
    assertThat(response.contentType()).startsWith("application/problem+json");
  }

  @Test
  void databaseDownIsA503ProblemAndTheServiceRecovers() {
    TestServers.database().stop();
    try {
      Http.Response response = Http.post(url, "{\"userId\": \"u-db\", \"amount\": 2.00}");

      assertThat(response.status()).isEqualTo(503);
      assertThat(response.contentType()).startsWith("application/problem+json");
      assertThat(response.body().get("detail").asText()).contains("database is unavailable");
    } finally {
      TestServers.database().start();
    }
    await()
        .atMost(DELIVERY)
        .until(() -> Http.post(url, "{\"userId\": \"u-db\", \"amount\": 2.00}").status() == 201);
  }

  @Test
  void unknownFailValueIsA400NamingTheParameter() {
    Http.Response response =
        Http.post(url + "?fail=sometimes", "{\"userId\":\"u-1\",\"amount\":1}");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body().get("errors").get(0).get("field").asText()).isEqualTo("fail");
    assertThat(response.body().get("detail").asText())
        .contains("after-send", "at-commit", "after-commit");
  }

  @ParameterizedTest
  @CsvSource({"after-send", "at-commit"})
  void failureBeforeTheCommitIsA500AndNothingIsWrittenOrPublished(String fail) {
    int orders = count("t_order");
    int messages = count("t_msg");
    int references = count("t_msg_order");

    Http.Response response =
        Http.post(url + "?fail=" + fail, "{\"userId\": \"u-rollback\", \"amount\": 3.00}");

    assertThat(response.status()).isEqualTo(500);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(count("t_order")).isEqualTo(orders);
    assertThat(count("t_msg")).isEqualTo(messages);
    assertThat(count("t_msg_order")).isEqualTo(references);
    // An order committed afterwards arrives; the rolled-back one never does: no row is left.
    long next =
        Http.post(url, "{\"userId\": \"u-rollback\", \"amount\": 4.00}")
            .body()
            .get("orderId")
            .asLong();
    List<Received> received = reader.awaitRefId(Long.toString(next), DELIVERY);
    assertThat(received).extracting(Received::refId).containsExactly(Long.toString(next));
  }

  @Test
  void failureAfterTheCommitIsA500ButTheOrderAndItsEventAreCommitted() {
    int orders = count("t_order");

    Http.Response response =
        Http.post(url + "?fail=after-commit", "{\"userId\": \"u-crash\", \"amount\": 5.00}");

    assertThat(response.status()).isEqualTo(500);
    assertThat(count("t_order")).isEqualTo(orders + 1);
    long orderId = jdbc.queryForObject("SELECT MAX(id) FROM t_order", Long.class);
    reader.awaitRefId(Long.toString(orderId), DELIVERY);
  }

  @Test
  void unknownOrderIs404AndAMalformedIdIs400() {
    Http.Response missing = Http.get(url + "/987654321");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith("application/problem+json");

    Http.Response malformed = Http.get(url + "/abc");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.contentType()).startsWith("application/problem+json");
  }

  private static int count(String table) {
    return jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
  }
}
