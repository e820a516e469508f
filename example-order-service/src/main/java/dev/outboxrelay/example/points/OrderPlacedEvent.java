package dev.outboxrelay.example.points;

import java.math.BigDecimal;

/** The points service's reading of an "order placed" event: only the fields it needs. */
record OrderPlacedEvent(long orderId, String userId, BigDecimal amount) {

  /** Null when the event lacks what a credit needs. */
  String problem() {
    if (orderId <= 0) {
      return "orderId missing or not positive";
    }
    if (userId == null || userId.isBlank() || userId.length() > 64) {
      return "userId missing or longer than 64";
    }
    if (amount == null || amount.signum() < 0) {
      return "amount missing or negative";
    }
    return null;
  }
}
