package dev.outboxrelay.example.orders.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.MessageStoreOutbox;
import dev.outboxrelay.OutboxMessage;
import dev.outboxrelay.OutboxSchemaScripts;
import dev.outboxrelay.PreparedMessage;
import dev.outboxrelay.example.Http;
import dev.outboxrelay.example.orders.OrderServiceApplication;
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
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The article's approaches 4 and 5 on the order service in message-store mode ({@code
 * outbox.mode=message-store}), on two databases of the real MariaDB server (the business one with
 * {@code t_user}, {@code t_order} and {@code t_msg_order}; the message one with {@code t_msg}) and
 * the real Kafka broker. Its three registration scenarios end as the article shows: the message of
 * a committed transaction is confirmed and delivered, the message of one that rolled back is
 * CANCELLED in the message database and never reaches the topic. No relay runs: the service's own
 * confirmation hands the message to the fast path, and a cancellation is final.
 */
class MessageStoreRegistrationIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);
  // t_msg.status codes (sql/mysql/V1 and V3)
  private static final int SENT = 1;
  private static final int CANCELLED = 2;
  private static final int PREPARED = 4;

  private static TestDatabase businessDatabase;
  private static TestDatabase messageDatabase;
  private static ConfigurableApplicationContext service;
  private static JdbcTemplate business;
  private static JdbcTemplate messages;
  private static String userTopic;
  private static String orderTopic;
  private static String serviceUrl;
  private static UserRegistration users;
  private static RegistrationScenarios scenarios;
  private TopicReader reader;

  @BeforeAll
  static void startServiceInMessageStoreMode() {
    DatabaseServer server = TestServers.database();
    businessDatabase = server.createDatabase("ms_business");
    messageDatabase = server.createDatabase("ms_messages");
    // The service creates its own schema in the business database; the message database's outbox
    // tables are the operator's migration, as in production.
    messageDatabase.runScript(OutboxSchemaScripts.mysqlScripts().toArray(String[]::new));
    userTopic = "users-ms-" + UUID.randomUUID();
    TestServers.kafka().createTopic(userTopic, 1);
    orderTopic = "orders-ms-" + UUID.randomUUID();
    TestServers.kafka().createTopic(orderTopic, 1);
    service =
        OrderServiceApplication.application()
            .run(
                "--server.port=0",
                "--spring.datasource.url=" + businessDatabase.jdbcUrl(),
                "--spring.datasource.username=" + server.username(),
                "--spring.datasource.password=" + server.password(),
                "--outbox.mode=message-store",
                "--outbox.message-store.datasource.url=" + messageDatabase.jdbcUrl(),
                "--outbox.message-store.datasource.username=" + server.username(),
                "--outbox.message-store.datasource.password=" + server.password(),
                "--outbox.check-back-endpoint.enabled=true",
                "--outbox.kafka.bootstrap-servers=" + TestServers.kafka().bootstrapServers(),
                "--outbox.default-topic=" + userTopic,
                "--orders.topic=" + orderTopic);
    business = new JdbcTemplate(businessDatabase.dataSource());
    messages = new JdbcTemplate(messageDatabase.dataSource());
    serviceUrl =
        "http://127.0.0.1:" + service.getEnvironment().getRequiredProperty("local.server.port");
    users = service.getBean(UserRegistration.class);
    scenarios = service.getBean(RegistrationScenarios.class);
  }

  @AfterAll
  static void stopService() {
    service.close();
    messageDatabase.close();
    businessDatabase.close();
  }

  @BeforeEach
  void openReader() {
    reader = TopicReader.fromNow(TestServers.kafka().bootstrapServers(), userTopic);
  }

  @AfterEach
  void closeReader() {
    reader.close();
  }

  @Test
  void scenario1RegisterCommitsAndItsMessageIsConfirmedAndDelivered() {
    long messageId = users.register(101, "Tom");

    List<Received> received = reader.awaitRefId("user-101", DELIVERY);
    assertThat(received).extracting(Received::outboxId).containsExactly(msgIdOf(messageId));
    awaitStatus("user-101", SENT);
    // t_msg is in the message database only; the business transaction recorded the reference
    // with the message's business message id, which the check-back looks up
    assertThat(business.queryForObject("SELECT COUNT(*) FROM t_msg", Integer.class)).isZero();
    assertThat(
            business.queryForObject(
                "SELECT bus_msg_id FROM t_msg_order WHERE ref_id = 'user-101'", String.class))
        .isEqualTo(busMsgId("user-101"));
    assertThat(business.queryForObject("SELECT name FROM t_user WHERE id = 101", String.class))
        .isEqualTo("Tom");
  }

  @Test
  void scenario2RegisterFailRollsBackAndItsMessageIsCancelledNeverDelivered() {
    assertThatThrownBy(() -> users.registerFail(102, "Zhang San"))
        .isInstanceOf(IllegalStateException.class);

    // cancelled when the rollback completed, before registerFail returned
    assertThat(status("user-102")).isEqualTo(CANCELLED);
    assertThat(business.queryForObject("SELECT COUNT(*) FROM t_user WHERE id = 102", Integer.class))
        .isZero();
    assertThat(
            business.queryForObject(
                "SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'user-102'", Integer.class))
        .isZero();
    // a later message arrives; the cancelled one is not on the topic (and CANCELLED is final)
    users.register(103, "Li Si");
    List<Received> received = reader.awaitRefId("user-103", DELIVERY);
    assertThat(received).extracting(Received::refId).containsExactly("user-103");
    assertThat(status("user-102")).isEqualTo(CANCELLED);
  }

  @Test
  void scenario3NestedOnlyTheRequiresNewUsersMessageIsDelivered() {
    assertThatThrownBy(() -> scenarios.nested("outer-201", 202, 203))
        .isInstanceOf(IllegalStateException.class);

    assertThat(status("outer-201")).isEqualTo(CANCELLED);
    assertThat(status("user-203")).isEqualTo(CANCELLED);
    reader.awaitRefId("user-202", DELIVERY);
    awaitStatus("user-202", SENT);
    users.register(204, "Wang Wu");
    List<Received> received = reader.awaitRefId("user-204", DELIVERY);
    assertThat(received).extracting(Received::refId).containsExactly("user-202", "user-204");
    assertThat(
            business.queryForList("SELECT id FROM t_user WHERE id BETWEEN 201 AND 203", Long.class))
        .containsExactly(202L);
  }

  @Test
  void approach5PrepareBeforeTheTransactionEnlistInsideIt() {
    MessageStoreOutbox outbox = service.getBean(MessageStoreOutbox.class);
    JdbcTemplate serviceJdbc = service.getBean(JdbcTemplate.class); // joins the transaction
    TransactionTemplate transaction =
        new TransactionTemplate(service.getBean(PlatformTransactionManager.class));

    PreparedMessage committed = outbox.prepare(userMessage(301));
    assertThat(status("user-301")).isEqualTo(PREPARED);
    transaction.executeWithoutResult(
        tx -> {
          serviceJdbc.update("INSERT INTO t_user (id, name) VALUES (301, 'Zhao Liu')");
          outbox.enlist(committed);
        });

    PreparedMessage rolledBack = outbox.prepare(userMessage(302));
    assertThatThrownBy(
            () ->
                transaction.executeWithoutResult(
                    tx -> {
                      serviceJdbc.update("INSERT INTO t_user (id, name) VALUES (302, 'Sun Qi')");
                      outbox.enlist(rolledBack);
                      throw new IllegalStateException("fails after the enlist");
                    }))
        .isInstanceOf(IllegalStateException.class);

    assertThat(status("user-302")).isEqualTo(CANCELLED);
    List<Received> received = reader.awaitRefId("user-301", DELIVERY);
    assertThat(received)
        .extracting(Received::outboxId)
        .containsExactly(msgIdOf(committed.messageId()));
    awaitStatus("user-301", SENT);
    assertThat(busMsgId("user-301")).isEqualTo(committed.busMsgId());
  }

  @Test
  void checkBackEndpointAnswersFromTheBusinessDatabase() {
    users.register(401, "Zhou Ba");
    assertThatThrownBy(() -> users.registerFail(402, "Wu Jiu"))
        .isInstanceOf(IllegalStateException.class);

    Http.Response answer =
        Http.post(
            serviceUrl + "/outbox/check-back",
            "{\"busMsgIds\": [\""
                + busMsgId("user-401")
                + "\", \""
                + busMsgId("user-402")
                + "\"]}");

    assertThat(answer.status()).isEqualTo(200);
    List<String> found = new java.util.ArrayList<>();
    answer.body().get("found").forEach(id -> found.add(id.asString()));
    assertThat(found).containsExactly(busMsgId("user-401"));
  }

  @Test
  void ordersOverHttpInMessageStoreMode() {
    String orders = serviceUrl + "/orders";
    Http.Response placed = Http.post(orders, "{\"userId\": \"u-ms\", \"amount\": 10.00}");
    Http.Response failed =
        Http.post(orders + "?fail=after-send", "{\"userId\": \"u-ms\", \"amount\": 20.00}");

    assertThat(placed.status()).isEqualTo(201);
    assertThat(failed.status()).isEqualTo(500);
    long orderId = placed.body().get("orderId").asLong();
    await()
        .atMost(DELIVERY)
        .until(
            () ->
                "SENT".equals(Http.get(orders + "/" + orderId).body().get("delivery").asString()));
    assertThat(
            messages.queryForList(
                "SELECT status FROM t_msg WHERE topic LIKE 'orders-ms-%' ORDER BY id",
                Integer.class))
        .containsExactly(SENT, CANCELLED);
  }

  private static OutboxMessage userMessage(long userId) {
    return OutboxMessage.builder(userTopic)
        .payload("{\"userId\":" + userId + ",\"event\":\"registered\"}")
        .reference(UserRegistration.USER_REGISTERED, UserRegistration.refId(userId))
        .build();
  }

  /** The global id ({@code outbox-id}) of the message row {@code id} of the message database. */
  private static String msgIdOf(long id) {
    return messages.queryForObject("SELECT msg_id FROM t_msg WHERE id = ?", String.class, id);
  }

  private static int status(String refId) {
    return messages.queryForObject(
        "SELECT status FROM t_msg WHERE ref_id = ?", Integer.class, refId);
  }

  private static String busMsgId(String refId) {
    return messages.queryForObject(
        "SELECT bus_msg_id FROM t_msg WHERE ref_id = ?", String.class, refId);
  }

  private static void awaitStatus(String refId, int expected) {
    await().atMost(DELIVERY).until(() -> status(refId) == expected);
  }
}
