package dev.outboxrelay;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Enables the outbox in a plain Spring application: imports {@link OutboxConfiguration}, which
 * needs a {@code DataSource} and a {@code PlatformTransactionManager} bean, and takes an {@link
 * OutboxSettings} bean if there is one. Spring Boot applications need nothing: the
 * auto-configuration does the same from {@code outbox.*} properties.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(OutboxConfiguration.class)
public @interface EnableOutbox {}
