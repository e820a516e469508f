package dev.outboxrelay.relay.boot;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Properties;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;

/**
 * The relay as an application of its own ({@code java -jar outbox-relay.jar}), configured only by
 * {@code spring.datasource.*} and {@code outbox.relay.*} (environment variables such as {@code
 * SPRING_DATASOURCE_URL} and {@code OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS} included). Serves {@code
 * /actuator/health/liveness}, {@code /actuator/health/readiness} (database and Kafka reachable) and
 * {@code /actuator/prometheus}.
 *
 * <p>Its defaults ({@value #DEFAULTS}) are Spring Boot's default properties: every other source
 * overrides them. They are not a classpath {@code application.properties}, so an application that
 * uses outbox-relay as a library never picks them up.
 *
 * <p>Exit status: 0 after SIGTERM and a clean stop; 1 when start-up fails (an invalid setting is
 * reported in one line naming the property).
 */
@SpringBootApplication
public class OutboxRelayApplication {

  static final String DEFAULTS = "dev/outboxrelay/relay/boot/application.properties";

  /** Connections beyond one per worker: lease keeper, housekeeping, health check, one spare. */
  static final int EXTRA_CONNECTIONS = 4;

  public static void main(String[] args) {
    ConfigurableApplicationContext context;
    try {
      context = application().run(args);
    } catch (RuntimeException | Error e) {
      // Spring Boot has logged it: the failure analysis (one line for a bad relay setting) or the
      // stack trace. Exit at once rather than wait for non-daemon threads a failed start may leave.
      System.exit(1);
      return;
    }
    SigtermExit.install(context);
    warnUnlessExitOnOutOfMemory();
  }

  /**
   * The launch recipe (docs/relay.md, "Memory") starts the JVM with {@code
   * -XX:+ExitOnOutOfMemoryError}: after an OutOfMemoryError nothing in the process can be trusted,
   * and a restart is the cure. Without it the relay still fails liveness when a worker is stopped
   * by one; this says so.
   */
  static void warnUnlessExitOnOutOfMemory() {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (!"true".equals(vm.getVMOption("ExitOnOutOfMemoryError").getValue())
          && !"true".equals(vm.getVMOption("CrashOnOutOfMemoryError").getValue())) {
        LoggerFactory.getLogger(OutboxRelayApplication.class)
            .warn(
                "the JVM runs without -XX:+ExitOnOutOfMemoryError: after an OutOfMemoryError the"
                    + " relay waits for its liveness probe to restart it instead of exiting");
      }
    } catch (RuntimeException | LinkageError e) {
      // not a HotSpot JVM, or without jdk.management: nothing to check
    }
  }

  static SpringApplication application() {
    SpringApplication application = new SpringApplication(OutboxRelayApplication.class);
    application.setDefaultProperties(defaults());
    application.addListeners(new ConnectionPoolDefault());
    return application;
  }

  static Properties defaults() {
    try {
      return PropertiesLoaderUtils.loadProperties(new ClassPathResource(DEFAULTS));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the relay's defaults " + DEFAULTS, e);
    }
  }

  /**
   * {@code spring.datasource.hikari.maximum-pool-size} defaults to {@code outbox.relay.workers + 4}
   * (a worker holds one connection per batch); any configured value wins.
   */
  static final class ConnectionPoolDefault
      implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    static final String PROPERTY = "spring.datasource.hikari.maximum-pool-size";

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
      ConfigurableEnvironment environment = event.getEnvironment();
      int workers;
      try {
        workers =
            Binder.get(environment)
                .bindOrCreate("outbox.relay", OutboxRelayProperties.class)
                .workers();
      } catch (RuntimeException e) {
        return; // a value that cannot be read: binding the relay's settings reports it
      }
      environment
          .getPropertySources()
          .addLast(
              new MapPropertySource(
                  "outboxRelayConnectionPoolDefault",
                  Map.of(PROPERTY, Math.max(1, workers) + EXTRA_CONNECTIONS)));
    }
  }
}
