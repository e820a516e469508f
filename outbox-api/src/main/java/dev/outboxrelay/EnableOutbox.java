package dev.outboxrelay;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Enables the outbox in a plain Spring application: registers the {@link Outbox} bean of {@link
 * #mode} and a {@link MsgSender}; needs a {@code DataSource} and a {@code
 * PlatformTransactionManager} bean, and takes an {@link OutboxSettings} bean if there is one (see
 * {@link OutboxConfiguration}). Spring Boot applications need nothing: the auto-configuration does
 * the same from {@code outbox.*} properties, the mode from {@code outbox.mode}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(OutboxModeSelector.class)
public @interface EnableOutbox {

  /**
   * The mode, which decides the outbox bean's type: {@link Outbox} in same-database mode, {@link
   * MessageStoreOutbox} in message-store mode. Known when the bean is declared, before any bean
   * exists, so that injection by either type is resolved by the declared type. It must be the
   * {@link OutboxSettings} bean's mode: start-up stops otherwise.
   */
  OutboxSettings.Mode mode() default OutboxSettings.Mode.SAME_DATABASE;
}
