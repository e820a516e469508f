package dev.outboxrelay.example.points;

import dev.outboxrelay.example.web.DatabaseUnavailableResponses;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The points service (the article's points system): consumes "order placed" events and credits
 * points exactly once per event, in its own database. {@code GET /points/{userId}} returns a user's
 * balance. Configured by {@code points-service.properties} and the usual Spring Boot sources.
 */
@SpringBootApplication
@Import(DatabaseUnavailableResponses.class)
@ConfigurationPropertiesScan
public class PointsServiceApplication {

  public static void main(String[] args) {
    application().run(args);
  }

  /** The application, reading {@code points-service.properties}. */
  public static SpringApplication application() {
    SpringApplication application = new SpringApplication(PointsServiceApplication.class);
    application.setDefaultProperties(Map.of("spring.config.name", "points-service"));
    return application;
  }
}
