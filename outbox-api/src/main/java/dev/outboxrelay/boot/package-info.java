/** Spring Boot auto-configuration of the outbox from the {@code outbox.*} properties. */
@NullMarked
package dev.outboxrelay.boot;

import org.jspecify.annotations.NullMarked;
