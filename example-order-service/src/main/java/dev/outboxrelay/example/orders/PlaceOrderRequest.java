package dev.outboxrelay.example.orders;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;

/**
 * The body of {@code POST /orders}: {@code {"userId": "u-42", "amount": 12.50}}.
 *
 * @param userId who orders (1 to 64 characters); the event's Kafka key
 * @param amount the order's amount, more than 0, at most 10 integer digits and 2 decimals
 */
public record PlaceOrderRequest(
    @NotBlank @Size(max = 64) String userId,
    @NotNull
        @DecimalMin(value = "0", inclusive = false, message = "must be greater than 0")
        @Digits(integer = 10, fraction = 2)
        BigDecimal amount) {}
