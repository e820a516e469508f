package dev.outboxrelay.example.orders;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The order service's {@code orders.*} settings, validated at start-up.
 *
 * @param topic the topic of the "order placed" events
 * @param publishing how the events are published; {@code outbox} for anything but the demo
 * @param directKafkaBootstrapServers Kafka of the demo's strategies {@code in-transaction} and
 *     {@code after-commit}, which publish directly; unused by {@code outbox}
 */
@Validated
@ConfigurationProperties("orders")
public record OrderServiceProperties(
    @DefaultValue("order-events") @NotBlank String topic,
    @DefaultValue("outbox") @NotNull Publishing publishing,
    String directKafkaBootstrapServers) {}
