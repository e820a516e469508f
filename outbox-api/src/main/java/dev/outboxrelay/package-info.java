/**
 * What a service names: {@link dev.outboxrelay.Outbox} and {@link dev.outboxrelay.MsgSender} (write
 * a message in the caller's transaction), {@link dev.outboxrelay.OutboxMessage}, {@link
 * dev.outboxrelay.OutboxSettings}, {@link dev.outboxrelay.EnableOutbox} and the exceptions. Null is
 * not allowed unless a parameter or result is marked {@code @Nullable}.
 */
@NullMarked
package dev.outboxrelay;

import org.jspecify.annotations.NullMarked;
