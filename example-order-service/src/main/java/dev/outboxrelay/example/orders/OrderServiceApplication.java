package dev.outboxrelay.example.orders;

import dev.outboxrelay.example.web.DatabaseUnavailableResponses;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The order service: {@code POST /orders} writes the order and its "order placed" event in one
 * transaction through the outbox ({@code outbox-api}'s Boot auto-configuration), {@code GET
 * /orders/{id}} tells where the event stands. Configured by {@code order-service.properties} and
 * the usual Spring Boot sources ({@code spring.datasource.*}, {@code outbox.*}, {@code orders.*}).
 */
@SpringBootApplication
@Import(DatabaseUnavailableResponses.class)
@ConfigurationPropertiesScan
public class OrderServiceApplication {

  public static void main(String[] args) {
    application().run(args);
  }

  /**
   * The application, reading {@code order-service.properties} instead of {@code
   * application.properties}: the points service and the demo share this jar.
   */
  public static SpringApplication application() {
    SpringApplication application = new SpringApplication(OrderServiceApplication.class);
    application.setDefaultProperties(Map.of("spring.config.name", "order-service"));
    return application;
  }
}
