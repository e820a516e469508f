package com.example.quickstart;

import dev.outboxrelay.Outbox;
import dev.outboxrelay.OutboxMessage;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.Statement;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class OrderService {

  /** The message's reference type: with the order's id, unique per message. */
  static final int ORDER_PLACED = 1;

  private final JdbcTemplate jdbc;
  private final Outbox outbox;

  public OrderService(JdbcTemplate jdbc, Outbox outbox) {
    this.jdbc = jdbc;
    this.outbox = outbox;
  }

  /** Saves the order and its "order placed" message: both or neither. */
  @Transactional
  public long placeOrder(String customer, BigDecimal amount) {
    GeneratedKeyHolder keys = new GeneratedKeyHolder();
    jdbc.update(
        connection -> {
          PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO orders (customer, amount) VALUES (?, ?)",
                  Statement.RETURN_GENERATED_KEYS);
          insert.setString(1, customer);
          insert.setBigDecimal(2, amount);
          return insert;
        },
        keys);
    long orderId = keys.getKey().longValue();
    outbox.send(
        OutboxMessage.builder("orders")
            .key(customer) // one key: published in commit order
            .payload(
                "{\"orderId\":%d,\"customer\":\"%s\",\"amount\":%s}"
                    .formatted(orderId, customer, amount.toPlainString()))
            .reference(ORDER_PLACED, Long.toString(orderId))
            .build());
    return orderId;
  }
}
