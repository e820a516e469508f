/**
 * The relay: {@link dev.outboxrelay.relay.OutboxRelay}, configured by {@link
 * dev.outboxrelay.relay.RelaySettings}, usable as a library without Spring Boot. Null is not
 * allowed unless marked {@code @Nullable}.
 */
@NullMarked
package dev.outboxrelay.relay;

import org.jspecify.annotations.NullMarked;
