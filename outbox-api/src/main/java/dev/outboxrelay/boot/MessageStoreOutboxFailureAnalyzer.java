package dev.outboxrelay.boot;

import dev.outboxrelay.MessageStoreOutbox;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * A {@link MessageStoreOutbox} injected in same-database mode: says which setting makes it exist.
 * First in order, so that Spring Boot's generic "no qualifying bean" analysis does not answer
 * instead.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class MessageStoreOutboxFailureAnalyzer
    extends AbstractFailureAnalyzer<NoSuchBeanDefinitionException> {

  @Override
  protected @Nullable FailureAnalysis analyze(
      Throwable rootFailure, NoSuchBeanDefinitionException cause) {
    if (cause.getBeanType() != MessageStoreOutbox.class) {
      return null;
    }
    return new FailureAnalysis(
        "A MessageStoreOutbox (prepare, enlist) was injected, but the outbox runs in same-database"
            + " mode, whose bean is an Outbox.",
        "Set outbox.mode=message-store (with outbox.message-store.datasource.*), or inject Outbox"
            + " and call send.",
        cause);
  }
}
