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
 * and then fails (only the inner user's message is delivered). In message-store mode (approach 4)
 * each message's fate is also read from the message database: the delivered ones confirmed and
 * SENT, the rolled-back ones CANCELLED.
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
    Outcomes outcomes =
        stack.messageStore()
            ? new MessageStoreOutcomes(stack.messages)
            : new OutboxRows(stack.orders);
    boolean ok = failed2 && failed3;
    out.println(
        stack.messageStore()
            ? "Part 1: the article's three scenarios (message store, approach 4: t_msg in "
                + stack.messageDatabase.name()
                + ", topic "
                + topic
                + ")"
            : "Part 1: the article's three scenarios (outbox, topic " + topic + ")");
    ok &= line(out, "1 register(1, Tom)", "committed", delivered, outcomes, "user-1", true);
    ok &=
        line(
            out,
            "2 registerFail(2, Zhang San)",
            "rolled back",
            delivered,
            outcomes,
            "user-2",
            false);
    ok &=
        line(out, "3 nested: outer message", "rolled back", delivered, outcomes, "outer-1", false);
    ok &=
        line(
            out,
            "  registerRequiresNew(3, Zhang San)",
            "committed (own txn)",
            delivered,
            outcomes,
            "user-3",
            true);
    ok &=
        line(out, "  registerFail(4, Li Si)", "rolled back", delivered, outcomes, "user-4", false);
    out.println(ok ? "  as the article says." : "  NOT as the article says.");
    out.println();
    return ok;
  }

  private static boolean line(
      PrintStream out,
      String call,
      String transaction,
      Set<String> delivered,
      Outcomes outcomes,
      String refId,
      boolean expected) {
    Outcome outcome = outcomes.of(refId, delivered.contains(refId), expected);
    out.printf("  %-36s %-20s %s%n", call, transaction, outcome.text());
    return outcome.asExpected();
  }

  /** What became of one scenario's message: the line to print, and whether the article says so. */
  private record Outcome(String text, boolean asExpected) {}

  /** How a mode tells what became of a message. */
  private interface Outcomes {
    /**
     * @param arrived whether the message was read back from the topic
     * @param expected whether the article says it is delivered
     */
    Outcome of(String refId, boolean arrived, boolean expected);
  }

  /** Approach 3: the message's row exists if and only if its transaction committed. */
  private record OutboxRows(JdbcTemplate orders) implements Outcomes {
    @Override
    public Outcome of(String refId, boolean arrived, boolean expected) {
      int rows =
          orders.queryForObject(
              "SELECT COUNT(*) FROM t_msg WHERE ref_id = ?", Integer.class, refId);
      String text =
          arrived
              ? "delivered: " + refId + " read back from Kafka"
              : rows == 0
                  ? "not delivered: no outbox row for " + refId + ", none on the topic"
                  : "NOT delivered, though its outbox row exists";
      return new Outcome(text, arrived == expected && (rows == 1) == expected);
    }
  }

  /**
   * Approach 4: every message has a row in the message database, written PREPARED before its
   * transaction ended; committed → confirmed, then SENT; rolled back → CANCELLED.
   */
  private record MessageStoreOutcomes(JdbcTemplate messages) implements Outcomes {
    private static final int SENT = 1;
    private static final int CANCELLED = 2;

    @Override
    public Outcome of(String refId, boolean arrived, boolean expected) {
      List<Integer> statuses =
          messages.queryForList("SELECT status FROM t_msg WHERE ref_id = ?", Integer.class, refId);
      Integer status = statuses.size() == 1 ? statuses.get(0) : null;
      String text;
      if (arrived && status != null && status == SENT) {
        text = "delivered: confirmed, " + refId + " read back from Kafka (t_msg SENT)";
      } else if (!arrived && status != null && status == CANCELLED) {
        text = "cancelled: t_msg status 2 in the message database, none on the topic";
      } else {
        text =
            (arrived ? "delivered" : "NOT delivered")
                + ", t_msg status "
                + (statuses.size() == 1 ? status : statuses.size() + " rows")
                + " in the message database";
      }
      boolean asExpected =
          expected
              ? arrived && status != null && status == SENT
              : !arrived && status != null && status == CANCELLED;
      return new Outcome(text, asExpected);
    }
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
