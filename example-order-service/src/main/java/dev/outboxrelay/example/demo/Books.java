package dev.outboxrelay.example.demo;

import dev.outboxrelay.example.orders.Publishing;
import dev.outboxrelay.example.points.OrderEventsConsumer;
import dev.outboxrelay.example.points.PointsLedger;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
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
 * @param latencyP50Ms commit to credit, median, in ms (null without credits)
 * @param latencyP99Ms commit to credit, 99th percentile, in ms
 * @param steadyP50Ms commit to credit of the orders committed before the Kafka outage, median
 * @param steadyP99Ms the same, 99th percentile
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
    Double latencyP50Ms,
    Double latencyP99Ms,
    Double steadyP50Ms,
    Double steadyP99Ms,
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
   * Reads the books of {@code stack}, given the answers its clients got.
   *
   * @param kafkaDownAt when the Kafka outage began; null when there was none
   */
  static Books of(
      ServiceStack stack,
      long sent,
      OrderLoad.Answers answers,
      Instant kafkaDownAt,
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
    List<Double> steady = new ArrayList<>();
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
        if (kafkaDownAt == null
            || order.createdAt().toInstant(ZoneOffset.UTC).isBefore(kafkaDownAt)) {
          steady.add(latency);
        }
      }
    }
    long lost = orders.keySet().stream().filter(id -> !credited.contains(id)).count();
    long expectedPoints =
        orders.values().stream().mapToLong(order -> PointsLedger.pointsFor(order.amount())).sum();
    OrderEventsConsumer.Stats consumer = stack.consumerStats();
    long recordsOnTopic = topics.records(stack.topic);
    Collections.sort(latencies);
    Collections.sort(steady);
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
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
        percentile(steady, 0.50),
        percentile(steady, 0.99),
        cancelledEvents);
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
