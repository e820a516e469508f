package dev.outboxrelay.boot;

import dev.outboxrelay.MessageStoreOutbox;
import dev.outboxrelay.Outbox;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

/**
 * An {@link Outbox} or {@link MessageStoreOutbox} injected where the auto-configuration made none:
 * says why (the outbox turned off, the other mode, no {@code DataSource}) and which setting makes
 * it exist. First in order, so that Spring Boot's generic "no qualifying bean" analysis does not
 * answer instead.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class MissingOutboxFailureAnalyzer
    extends AbstractFailureAnalyzer<NoSuchBeanDefinitionException> {

  private final Environment environment;

  MissingOutboxFailureAnalyzer(Environment environment) {
    this.environment = environment;
  }

  @Override
  protected @Nullable FailureAnalysis analyze(
      Throwable rootFailure, NoSuchBeanDefinitionException cause) {
    Class<?> type = cause.getBeanType();
    if (type != Outbox.class && type != MessageStoreOutbox.class) {
      return null;
    }
    String injected = "A" + (type == Outbox.class ? "n " : " ") + type.getSimpleName();
    if ("false".equalsIgnoreCase(environment.getProperty("outbox.enabled", "true").trim())) {
      return new FailureAnalysis(
          injected + " was injected, but outbox.enabled=false turns the outbox off.",
          "Remove outbox.enabled=false (or set it to true), or leave out the beans that inject"
              + " the outbox where it is off (e.g. @ConditionalOnBean(Outbox.class) on them).",
          cause);
    }
    if (type == MessageStoreOutbox.class) {
      return new FailureAnalysis(
          "A MessageStoreOutbox (prepare, enlist) was injected, but the outbox runs in"
              + " same-database mode, whose bean is an Outbox.",
          "Set outbox.mode=message-store (with outbox.message-store.datasource.*), or inject"
              + " Outbox and call send.",
          cause);
    }
    return new FailureAnalysis(
        "An Outbox was injected, but none was created: the outbox needs the application's"
            + " DataSource and PlatformTransactionManager beans, and found none.",
        "Configure the business database (spring.datasource.url, with spring-boot-starter-jdbc or"
            + " spring-boot-starter-data-jpa on the class path), or declare both beans yourself.",
        cause);
  }
}
