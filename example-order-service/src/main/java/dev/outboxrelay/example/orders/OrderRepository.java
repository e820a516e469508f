package dev.outboxrelay.example.orders;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

/** {@code t_order}, on the connection of the current transaction. */
@Repository
class OrderRepository {
  private final JdbcTemplate jdbc;

  OrderRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  long insert(String userId, BigDecimal amount) {
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.update(
        connection -> {
          PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO t_order (user_id, amount, created_at)"
                      + " VALUES (?, ?, UTC_TIMESTAMP(6))",
                  Statement.RETURN_GENERATED_KEYS);
          insert.setString(1, userId);
          insert.setBigDecimal(2, amount);
          return insert;
        },
        key);
    return Objects.requireNonNull(key.getKey(), "no generated order id").longValue();
  }

  void setMessageId(long orderId, long messageId) {
    int updated = jdbc.update("UPDATE t_order SET message_id = ? WHERE id = ?", messageId, orderId);
    if (updated != 1) {
      throw new IllegalStateException("order " + orderId + " not found to record its message");
    }
  }

  Optional<Order> find(long id) {
    return jdbc
        .query(
            "SELECT id, user_id, amount, message_id, created_at FROM t_order WHERE id = ?",
            (rs, n) ->
                new Order(
                    rs.getLong("id"),
                    rs.getString("user_id"),
                    rs.getBigDecimal("amount"),
                    rs.getObject("message_id", Long.class),
                    rs.getObject("created_at", LocalDateTime.class).toInstant(ZoneOffset.UTC)),
            id)
        .stream()
        .findFirst();
  }
}
