package dev.outboxrelay.boot;

import dev.outboxrelay.Outbox;
import java.util.Set;
import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDependsOnDatabaseInitializationDetector;

/**
 * Makes Spring Boot initialize the database ({@code spring.sql.init.*} scripts, Flyway, Liquibase)
 * before it creates the {@link Outbox}, which checks the outbox schema when it is created.
 * Package-private: Spring Boot creates it from {@code META-INF/spring.factories}.
 */
class OutboxDatabaseInitializationDetector
    extends AbstractBeansOfTypeDependsOnDatabaseInitializationDetector {

  @Override
  protected Set<Class<?>> getDependsOnDatabaseInitializationBeanTypes() {
    return Set.of(Outbox.class);
  }
}
