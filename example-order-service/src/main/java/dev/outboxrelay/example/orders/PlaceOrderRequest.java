package dev.outboxrelay.example.orders;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.math.BigDecimal;

/**
 * The body of {@code POST /orders}: {@code {"userId": "u-42", "amount": 12.50}}.
 *
 * @param userId who orders: 1 to 64 letters, digits, '.', '_' or '-' (it appears in URLs such as
 *     {@code /points/{userId}}); the event's Kafka key
 * @param amount the order's amount, more than 0, at most 10 integer digits and 2 decimals
 */
public record PlaceOrderRequest(
    @NotNull(message = "is required")
        @Pattern(
            regexp = "[A-Za-z0-9._-]{1,64}",
            message = "must be 1 to 64 letters, digits, '.', '_' or '-'")
        String userId,
    @NotNull(message = "is required")
        @DecimalMin(value = "0", inclusive = false, message = "must be greater than 0")
        @Digits(integer = 10, fraction = 2)
        BigDecimal amount) {}
