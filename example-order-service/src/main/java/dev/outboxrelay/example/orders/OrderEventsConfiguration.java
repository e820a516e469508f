package dev.outboxrelay.example.orders;

import dev.outboxrelay.Outbox;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Picks the {@link OrderEvents} of {@code orders.publishing}. */
@Configuration(proxyBeanMethods = false)
class OrderEventsConfiguration {

  @Bean
  OrderEvents orderEvents(
      OrderServiceProperties properties, ObjectProvider<Outbox> outbox, JsonMapper json) {
    if (properties.publishing() == Publishing.OUTBOX) {
      return new OutboxOrderEvents(
          outbox.getIfAvailable(
              () -> {
                throw new IllegalStateException(
                    "orders.publishing=outbox needs the outbox: a DataSource, its transaction"
                        + " manager, and outbox.enabled=true");
              }),
          properties.topic(),
          json);
    }
    String servers = properties.directKafkaBootstrapServers();
    if (servers == null || servers.isBlank()) {
      throw new IllegalStateException(
          "orders.publishing="
              + properties.publishing().name().toLowerCase().replace('_', '-')
              + " sends to Kafka directly: set orders.direct-kafka-bootstrap-servers");
    }
    return new DirectOrderEvents(properties.publishing(), properties.topic(), servers, json);
  }
}
