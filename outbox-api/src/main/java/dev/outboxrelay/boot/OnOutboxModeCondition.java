package dev.outboxrelay.boot;

import dev.outboxrelay.OutboxSettings;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * {@link ConditionalOnOutboxMode}. Binds the property with Spring Boot's {@link Binder} rather than
 * comparing strings ({@code @ConditionalOnProperty} would miss {@code MESSAGE_STORE}).
 */
final class OnOutboxModeCondition extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(
      ConditionContext context, AnnotatedTypeMetadata metadata) {
    Map<String, Object> attributes =
        Objects.requireNonNull(
            metadata.getAnnotationAttributes(ConditionalOnOutboxMode.class.getName()));
    OutboxSettings.Mode wanted = (OutboxSettings.Mode) attributes.get("value");
    OutboxSettings.Mode mode =
        Binder.get(context.getEnvironment())
            .bind("outbox.mode", OutboxSettings.Mode.class)
            .orElse(OutboxSettings.Mode.SAME_DATABASE);
    return mode == wanted
        ? ConditionOutcome.match("outbox.mode is " + mode)
        : ConditionOutcome.noMatch("outbox.mode is " + mode);
  }
}
