package dev.outboxrelay.relay.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The relay application's defaults, without starting it (RelayJarIT starts the real jar). */
class OutboxRelayApplicationTests {

  private static int maximumPoolSize(Map<String, Object> properties) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
    ConfigurationPropertySources.attach(environment);
    new OutboxRelayApplication.ConnectionPoolDefault()
        .onApplicationEvent(
            new ApplicationEnvironmentPreparedEvent(
                new DefaultBootstrapContext(),
                new SpringApplication(OutboxRelayApplication.class),
                new String[0],
                environment));
    return Binder.get(environment)
        .bind(OutboxRelayApplication.ConnectionPoolDefault.PROPERTY, Integer.class)
        .get();
  }

  @Test
  void connectionPoolHoldsOneConnectionPerWorkerPlusFour() {
    assertThat(maximumPoolSize(Map.of())).isEqualTo(2 + 4);
    assertThat(maximumPoolSize(Map.of("outbox.relay.workers", "8"))).isEqualTo(8 + 4);
  }

  @Test
  void configuredConnectionPoolSizeWins() {
    assertThat(
            maximumPoolSize(
                Map.of(
                    "outbox.relay.workers", "8",
                    "spring.datasource.hikari.maximum-pool-size", "3")))
        .isEqualTo(3);
  }

  @Test
  void defaultsServeTheProbesAndHideConfiguration() {
    var defaults = OutboxRelayApplication.defaults();
    assertThat(defaults)
        .containsEntry("outbox.relay.enabled", "true")
        .containsEntry("management.endpoints.web.exposure.include", "health,prometheus,info")
        .containsEntry("management.endpoint.health.probes.enabled", "true")
        .containsEntry("management.endpoint.health.show-details", "never")
        .containsEntry(
            "management.endpoint.health.group.liveness.include", "livenessState,relayWorkers")
        .containsEntry("spring.datasource.hikari.data-source-properties.socketTimeout", "60000")
        .containsEntry(
            "management.endpoint.health.group.readiness.include",
            "readinessState,db,kafka,relayDatabase");
  }
}
