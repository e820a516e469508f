package dev.outboxrelay.example.points;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The points service's {@code points.*} settings, validated at start-up.
 *
 * @param kafkaBootstrapServers Kafka to consume from, {@code host:port[,host:port...]} (required)
 * @param topic the "order placed" events
 * @param groupId the consumer group
 * @param dedupeHeader the record header whose value identifies an event for the inbox: {@code
 *     outbox-id} for events from the outbox
 */
@Validated
@ConfigurationProperties("points")
public record PointsProperties(
    @NotBlank String kafkaBootstrapServers,
    @DefaultValue("order-events") @NotBlank String topic,
    @DefaultValue("points-service") @NotBlank String groupId,
    @DefaultValue("outbox-id") @NotBlank String dedupeHeader) {}
