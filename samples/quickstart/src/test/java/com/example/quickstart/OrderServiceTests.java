package com.example.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.testsupport.KafkaBroker;
import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The service as it runs: the starter's auto-configuration against a real MariaDB, whose schema
 * Flyway creates, and a real Kafka broker (both started by the Outbox Relay project's own test
 * launchers).
 */
@SpringBootTest
class OrderServiceTests {

  private static final TestDatabase database = TestServers.database().createDatabase("quickstart");
  private static final KafkaBroker kafka = TestServers.kafka();

  @DynamicPropertySource
  static void servers(DynamicPropertyRegistry registry) {
    kafka.createTopic("orders", 1);
    registry.add("spring.datasource.url", database::jdbcUrl);
    registry.add("spring.datasource.username", database::username);
    registry.add("spring.datasource.password", database::password);
    registry.add("outbox.kafka.bootstrap-servers", kafka::bootstrapServers);
  }

  @AfterAll
  static void dropDatabase() {
    database.close();
  }

  @Autowired OrderService orders;
  @Autowired JdbcTemplate jdbc;
  @Autowired TransactionTemplate transaction;

  @Test
  void flywayCreatedTheOutboxsTablesAndTheServicesOwn() {
    List<String> applied =
        jdbc.queryForList(
            "SELECT script FROM flyway_schema_history WHERE success ORDER BY installed_rank",
            String.class);
    assertThat(applied)
        .containsExactly(
            "V1__outbox.sql",
            "V2__sizes_and_key_locks.sql",
            "V3__message_store.sql",
            "V4__message_ids.sql",
            "V5__key_index_without_status.sql",
            "V100__orders.sql");
  }

  @Test
  void anOrderAndItsMessageAreWrittenInOneTransactionAndTheMessageIsPublished() {
    try (TopicReader topic = TopicReader.fromNow(kafka.bootstrapServers(), "orders")) {
      long orderId = orders.placeOrder("alice", new BigDecimal("12.50"));

      assertThat(
              jdbc.queryForObject(
                  "SELECT customer FROM orders WHERE id = ?", String.class, orderId))
          .isEqualTo("alice");
      assertThat(
              jdbc.queryForObject(
                  "SELECT COUNT(*) FROM t_msg WHERE ref_type = ? AND ref_id = ? AND topic ="
                      + " 'orders'",
                  Integer.class,
                  OrderService.ORDER_PLACED,
                  Long.toString(orderId)))
          .isEqualTo(1);
      TopicReader.Received received =
          topic.awaitRefId(Long.toString(orderId), Duration.ofSeconds(30)).get(0);
      assertThat(received.key()).isEqualTo("alice");
      assertThat(received.value())
          .isEqualTo("{\"orderId\":" + orderId + ",\"customer\":\"alice\",\"amount\":12.50}");
    }
  }

  @Test
  void aRolledBackOrderLeavesNeitherTheOrderNorItsMessage() {
    long orderId =
        transaction.execute(
            status -> {
              long id = orders.placeOrder("bob", new BigDecimal("3.00"));
              status.setRollbackOnly();
              return id;
            });

    assertThat(
            jdbc.queryForObject("SELECT COUNT(*) FROM orders WHERE id = ?", Integer.class, orderId))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM t_msg WHERE ref_type = ? AND ref_id = ?",
                Integer.class,
                OrderService.ORDER_PLACED,
                Long.toString(orderId)))
        .isZero();
  }
}
