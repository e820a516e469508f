package dev.outboxrelay.example.orders;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A row of {@code t_order}.
 *
 * @param messageId the outbox message of its event; {@code null} when published without the outbox
 */
public record Order(long id, String userId, BigDecimal amount, Long messageId, Instant createdAt) {}
