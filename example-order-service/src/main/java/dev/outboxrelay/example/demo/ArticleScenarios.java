package dev.outboxrelay.example.demo;

import dev.outboxrelay.example.orders.registration.RegistrationScenarios;
import dev.outboxrelay.example.orders.registration.UserRegistration;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The article's three registration scenarios on the outbox stack's order service, each message read
 * back from Kafka: register commits (delivered); registerFail rolls back (never delivered); an
 * outer transaction that sends a message, registers a user in a {@code REQUIRES_NEW} transaction
 * and then fails (only the inner user's message is delivered).
 */
final class ArticleScenarios {
  /** How long the demo keeps reading after the expected messages arrived. */
  private static final Duration LINGER = Duration.ofSeconds(3);

  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);

  private ArticleScenarios() {}

  /** Runs the scenarios and prints what happened; returns whether all went as the article says. */
  static boolean run(ServiceStack stack, String bootstrap, String topic, PrintStream out) {
    UserRegistration users = stack.orderService.getBean(UserRegistration.class);
    RegistrationScenarios scenarios = stack.orderService.getBean(RegistrationScenarios.class);

    users.register(1, "Tom");
    boolean failed2 = fails(() -> users.registerFail(2, "Zhang San"));
    boolean failed3 = fails(() -> scenarios.nested("outer-1", 3, 4));

    Set<String> delivered =
        readUntil(
            bootstrap,
            topic,
            Set.of(UserRegistration.refId(1), UserRegistration.refId(3)),
            DELIVERY_TIMEOUT,
            LINGER);
    JdbcTemplate jdbc = stack.orders;
    boolean ok = failed2 && failed3;
    out.println("Part 1: the article's three scenarios (outbox, topic " + topic + ")");
    ok &= line(out, "1 register(1, Tom)", "committed", delivered, jdbc, "user-1", true);
    ok &=
        line(out, "2 registerFail(2, Zhang San)", "rolled back", delivered, jdbc, "user-2", false);
    ok &= line(out, "3 nested: outer message", "rolled back", delivered, jdbc, "outer-1", false);
    ok &=
        line(
            out,
            "  registerRequiresNew(3, Zhang San)",
            "committed (own txn)",
            delivered,
            jdbc,
            "user-3",
            true);
    ok &= line(out, "  registerFail(4, Li Si)", "rolled back", delivered, jdbc, "user-4", false);
    out.println(ok ? "  as the article says." : "  NOT as the article says.");
    out.println();
    return ok;
  }

  private static boolean line(
      PrintStream out,
      String call,
      String transaction,
      Set<String> delivered,
      JdbcTemplate jdbc,
      String refId,
      boolean expected) {
    boolean arrived = delivered.contains(refId);
    int rows =
        jdbc.queryForObject("SELECT COUNT(*) FROM t_msg WHERE ref_id = ?", Integer.class, refId);
    String outcome =
        arrived
            ? "delivered: " + refId + " read back from Kafka"
            : rows == 0
                ? "not delivered: no outbox row for " + refId + ", none on the topic"
                : "NOT delivered, though its outbox row exists";
    out.printf("  %-36s %-20s %s%n", call, transaction, outcome);
    return arrived == expected && (rows == 1) == expected;
  }

  private static boolean fails(Runnable call) {
    try {
      call.run();
      return false;
    } catch (IllegalStateException expected) {
      return true;
    }
  }

  /**
   * Reads the topic from its beginning until every one of {@code expected} reference ids arrived
   * (at most {@code timeout}), then {@code linger} longer; returns the reference ids read.
   */
  static Set<String> readUntil(
      String bootstrap, String topic, Set<String> expected, Duration timeout, Duration linger) {
    Set<String> refIds = new LinkedHashSet<>();
    try (KafkaTopics topics = new KafkaTopics(bootstrap)) {
      KafkaConsumer<byte[], byte[]> consumer = topics.consumer();
      List<TopicPartition> partitions = topics.partitions(topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      long lingerUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, lingerUntil)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          Header refId = record.headers().lastHeader("outbox-ref-id");
          if (refId != null) {
            refIds.add(new String(refId.value(), StandardCharsets.UTF_8));
          }
        }
        if (lingerUntil == Long.MAX_VALUE && refIds.containsAll(expected)) {
          lingerUntil = System.nanoTime() + linger.toNanos();
        }
      }
    }
    return refIds;
  }
}
