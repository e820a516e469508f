package dev.outboxrelay.example.points;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Credits points: the inbox records and the credits in one local transaction. */
@Service
public class PointsLedger {

  /** What {@link #credit} did. */
  public enum Outcome {
    CREDITED,
    /** The event was processed before: nothing changed. */
    DUPLICATE
  }

  private final JdbcTemplate jdbc;

  PointsLedger(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Points for an amount: one per whole currency unit ({@code 12.50} earns 12). */
  public static long pointsFor(BigDecimal amount) {
    return amount.setScale(0, RoundingMode.DOWN).longValueExact();
  }

  /** An event to credit: {@code (topic, messageId)} identifies it in the inbox. */
  public record Credit(
      String topic, String messageId, long orderId, String userId, BigDecimal amount) {}

  /**
   * Credits each event's points once per {@code (topic, messageId)}, all in one local transaction:
   * the inbox rows and the credits commit together, so an event delivered again (in a later batch
   * or the same one) finds its inbox row and changes nothing. A failure rolls the whole batch back.
   *
   * @return the outcome of each credit, in order
   */
  @Transactional
  public List<Outcome> credit(List<Credit> credits) {
    List<Outcome> outcomes = new ArrayList<>(credits.size());
    for (Credit credit : credits) {
      outcomes.add(creditOnce(credit));
    }
    return outcomes;
  }

  private Outcome creditOnce(Credit credit) {
    try {
      jdbc.update(
          "INSERT INTO t_inbox (topic, message_id, received_at) VALUES (?, ?, UTC_TIMESTAMP(6))",
          credit.topic(),
          credit.messageId());
    } catch (DuplicateKeyException alreadyProcessed) {
      // Only the failed statement is undone: the transaction goes on.
      return Outcome.DUPLICATE;
    }
    long points = pointsFor(credit.amount());
    jdbc.update(
        "INSERT INTO t_points_credit (order_id, user_id, points, credited_at)"
            + " VALUES (?, ?, ?, UTC_TIMESTAMP(6))",
        credit.orderId(),
        credit.userId(),
        points);
    jdbc.update(
        "INSERT INTO t_points_balance (user_id, points) VALUES (?, ?)"
            + " ON DUPLICATE KEY UPDATE points = points + ?",
        credit.userId(),
        points,
        points);
    return Outcome.CREDITED;
  }

  /** The user's balance: 0 for a user never credited. */
  public long balance(String userId) {
    return jdbc
        .queryForList("SELECT points FROM t_points_balance WHERE user_id = ?", Long.class, userId)
        .stream()
        .findFirst()
        .orElse(0L);
  }
}
