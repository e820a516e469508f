package dev.outboxrelay.boot;

import dev.outboxrelay.OutboxSettings;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when {@code outbox.mode} is {@link #value} (same-database when unset), bound as Spring
 * Boot binds {@link OutboxProperties}: {@code message-store} and {@code MESSAGE_STORE} alike.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Conditional(OnOutboxModeCondition.class)
@interface ConditionalOnOutboxMode {
  OutboxSettings.Mode value();
}
