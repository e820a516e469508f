package dev.outboxrelay.example.orders;

import java.math.BigDecimal;

/**
 * The "order placed" event: the JSON payload {@code {"orderId": 7, "userId": "u-42", "amount":
 * 12.50}} on topic {@code orders.topic}, keyed by the user id, with the outbox reference {@code
 * (ORDER_PLACED, orderId)}.
 */
public record OrderPlaced(long orderId, String userId, BigDecimal amount) {

  /** The outbox reference type of the event: {@code t_msg_order.ref_type}. */
  public static final int ORDER_PLACED = 10;
}
