/**
 * The relay in Spring Boot: the relay application ({@code java -jar outbox-relay.jar}), the
 * auto-configuration from the {@code outbox.relay.*} properties, health and lifecycle.
 */
@NullMarked
package dev.outboxrelay.relay.boot;

import org.jspecify.annotations.NullMarked;
