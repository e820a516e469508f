package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.OutboxRelay;
import java.util.Set;
import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDependsOnDatabaseInitializationDetector;

/**
 * Makes Spring Boot initialize the database ({@code spring.sql.init.*} scripts, Flyway, Liquibase)
 * before it creates the {@link OutboxRelay}, which checks the outbox schema when it is created.
 */
class OutboxRelayDatabaseInitializationDetector
    extends AbstractBeansOfTypeDependsOnDatabaseInitializationDetector {

  @Override
  protected Set<Class<?>> getDependsOnDatabaseInitializationBeanTypes() {
    return Set.of(OutboxRelay.class);
  }
}
