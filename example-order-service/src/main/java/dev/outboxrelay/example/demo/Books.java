package dev.outboxrelay.example.demo;

import dev.outboxrelay.example.orders.OrderPlaced;
import dev.outboxrelay.example.orders.Publishing;
import dev.outboxrelay.example.points.OrderEventsConsumer;
import dev.outboxrelay.example.points.PointsLedger;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One stack's books after the run, from the ground truth: the orders committed in the order
 * database, the credits in the points database, the records on the topic. Lost = committed orders
 * never credited; ghosts = credits for orders that never committed.
 *
 * @param sent orders sent over HTTP
 * @param committed rows in {@code t_order}
 * @param failedOnPurpose 500 answers (an injected fault; {@code after-commit} orders are committed)
 * @param kafkaDown 503 answers: the order was refused because Kafka did not ack (approach 1)
 * @param otherErrors any other answer, or none
 * @param recordsOnTopic records Kafka holds for the topic, duplicates included
 * @param eventsConsumed distinct events the points service processed (its inbox rows)
 * @param creditedOrders distinct orders credited
 * @param points points credited in all
 * @param expectedPoints points the committed orders earn
 * @param lost committed orders without a credit
 * @param ghosts credits of orders that were never committed
 * @param doubleCredits credits beyond one per order
 * @param duplicatesDelivered records on the topic beyond one per event
 * @param deduplicated deliveries the points service recognised as duplicates
 * @param rejected records the points service could not credit
 * @param latency commit to credit of every credited order
 * @param warmUp the same, of the orders committed in the load's warm-up, before any outage
 * @param beforeOutage the same, of the orders committed after the warm-up and before the Kafka
 *     outage began (all the others without an outage)
 * @param duringOutage the same, of the orders committed while Kafka was down
 * @param afterOutage the same, of the orders committed once Kafka was back
 * @param lastCreditAfterKafkaBackMs how long after Kafka was back the last order committed during
 *     the outage was credited, in ms; null when none was
 * @param lastPublishAfterKafkaBackMs the outbox: how long after Kafka was back the last event of an
 *     order committed during the outage was recorded as published ({@code t_msg.sent_at}, once
 *     Kafka acknowledged it), in ms; what is left to its credit is the points service's part. Null
 *     for the other stacks, or when none was
 * @param cancelledEvents message-store mode: the events of the topic CANCELLED in the message
 *     database, those of the orders whose transaction rolled back; null in the other modes
 */
record Books(
    Publishing publishing,
    long sent,
    long committed,
    long failedOnPurpose,
    long kafkaDown,
    long otherErrors,
    long recordsOnTopic,
    long eventsConsumed,
    long creditedOrders,
    long points,
    long expectedPoints,
    long lost,
    long ghosts,
    long doubleCredits,
    long duplicatesDelivered,
    long deduplicated,
    long rejected,
    Latency latency,
    Latency warmUp,
    Latency beforeOutage,
    Latency duringOutage,
    Latency afterOutage,
    Double lastCreditAfterKafkaBackMs,
    Double lastPublishAfterKafkaBackMs,
    Long cancelledEvents) {

  /** Every committed order credited once, nothing else credited, every point accounted for. */
  boolean balanced() {
    return lost == 0
        && ghosts == 0
        && doubleCredits == 0
        && rejected == 0
        && points == expectedPoints;
  }

  /**
   * Commit to credit of a set of credited orders, in ms: how many, median and 99th percentile (null
   * when there are none).
   */
  record Latency(int orders, Double p50Ms, Double p99Ms) {
    static Latency of(List<Double> millis) {
      List<Double> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      return new Latency(sorted.size(), percentile(sorted, 0.50), percentile(sorted, 0.99));
    }
  }

  /**
   * Reads the books of {@code stack}, given the answers its clients got.
   *
   * @param phases when the warm-up ended, Kafka was stopped and was back (the server's clock)
   */
  static Books of(
      ServiceStack stack,
      long sent,
      OrderLoad.Answers answers,
      FaultTimeline.Phases phases,
      KafkaTopics topics) {
    Map<Long, Order> orders = new HashMap<>();
    stack.orders.query(
        "SELECT id, amount, created_at FROM t_order",
        rs -> {
          orders.put(
              rs.getLong(1), new Order(rs.getBigDecimal(2), rs.getObject(3, LocalDateTime.class)));
        });
    List<Credit> credits = new ArrayList<>();
    stack.points.query(
        "SELECT order_id, points, credited_at FROM t_points_credit",
        rs -> {
          credits.add(
              new Credit(rs.getLong(1), rs.getLong(2), rs.getObject(3, LocalDateTime.class)));
        });
    long eventsConsumed =
        stack.points.queryForObject(
            "SELECT COUNT(*) FROM t_inbox WHERE topic = ?", Long.class, stack.topic);

    Set<Long> credited = new HashSet<>();
    long ghosts = 0;
    long points = 0;
    List<Double> latencies = new ArrayList<>();
    List<Double> warmUp = new ArrayList<>();
    List<Double> before = new ArrayList<>();
    List<Double> during = new ArrayList<>();
    List<Double> after = new ArrayList<>();
    LocalDateTime lastCreditOfOutage = null;
    for (Credit credit : credits) {
      credited.add(credit.orderId());
      points += credit.points();
      Order order = orders.get(credit.orderId());
      if (order == null) {
        ghosts++;
      } else {
        // Both times are the same MariaDB server's clock. The order row is written a fraction of
        // a millisecond before its commit.
        double latency = Duration.between(order.createdAt(), credit.creditedAt()).toNanos() / 1e6;
        latencies.add(latency);
        LocalDateTime committed = order.createdAt();
        if (!phases.outage() || committed.isBefore(phases.kafkaDown())) {
          (committed.isBefore(phases.warmedUp()) ? warmUp : before).add(latency);
        } else if (committed.isBefore(phases.kafkaBack())) {
          during.add(latency);
          if (lastCreditOfOutage == null || credit.creditedAt().isAfter(lastCreditOfOutage)) {
            lastCreditOfOutage = credit.creditedAt();
          }
        } else {
          after.add(latency);
        }
      }
    }
    Double lastPublishAfterKafkaBackMs =
        stack.publishing == Publishing.OUTBOX && phases.outage()
            ? lastPublishOfOutage(stack, orders, phases)
            : null;
    long lost = orders.keySet().stream().filter(id -> !credited.contains(id)).count();
    long expectedPoints =
        orders.values().stream().mapToLong(order -> PointsLedger.pointsFor(order.amount())).sum();
    OrderEventsConsumer.Stats consumer = stack.consumerStats();
    long recordsOnTopic = topics.records(stack.topic);
    Long cancelledEvents =
        stack.messageStore()
            ? stack.messages.queryForObject(
                "SELECT COUNT(*) FROM t_msg WHERE topic = ? AND status = 2",
                Long.class,
                stack.topic)
            : null;
    return new Books(
        stack.publishing,
        sent,
        orders.size(),
        answers.failedOnPurpose(),
        answers.kafkaDown(),
        answers.otherErrors(),
        recordsOnTopic,
        eventsConsumed,
        credited.size(),
        points,
        expectedPoints,
        lost,
        ghosts,
        credits.size() - credited.size(),
        recordsOnTopic - eventsConsumed - consumer.rejected(),
        consumer.duplicates(),
        consumer.rejected(),
        Latency.of(latencies),
        Latency.of(warmUp),
        Latency.of(before),
        Latency.of(during),
        Latency.of(after),
        lastCreditOfOutage == null
            ? null
            : Duration.between(phases.kafkaBack(), lastCreditOfOutage).toNanos() / 1e6,
        lastPublishAfterKafkaBackMs,
        cancelledEvents);
  }

  /**
   * The outbox: how long after Kafka was back the last event of an order committed during the
   * outage was recorded as published, in ms; null when none was.
   */
  private static Double lastPublishOfOutage(
      ServiceStack stack, Map<Long, Order> orders, FaultTimeline.Phases phases) {
    LocalDateTime[] last = new LocalDateTime[1];
    stack.messages.query(
        "SELECT ref_id, sent_at FROM t_msg WHERE topic = ? AND ref_type = ? AND status = 1",
        rs -> {
          Order order = orders.get(Long.parseLong(rs.getString(1)));
          LocalDateTime sent = rs.getObject(2, LocalDateTime.class);
          if (order != null
              && !order.createdAt().isBefore(phases.kafkaDown())
              && order.createdAt().isBefore(phases.kafkaBack())
              && (last[0] == null || sent.isAfter(last[0]))) {
            last[0] = sent;
          }
        },
        stack.topic,
        OrderPlaced.ORDER_PLACED);
    return last[0] == null ? null : Duration.between(phases.kafkaBack(), last[0]).toNanos() / 1e6;
  }

  /** Nearest-rank percentile of sorted values; null when there are none. */
  static Double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return null;
    }
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private record Order(BigDecimal amount, LocalDateTime createdAt) {}

  private record Credit(long orderId, long points, LocalDateTime creditedAt) {}
}
