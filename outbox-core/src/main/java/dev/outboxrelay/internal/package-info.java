/**
 * Internal: the engine shared by the fast path of {@code outbox-api} and by {@code outbox-relay} —
 * the rows and their statuses, the lane hash, the store (every SQL statement on {@code t_msg},
 * {@code t_msg_order} and {@code shedlock}), the Kafka record mapping, the batch publisher, the
 * ordering guard and the one publish round both publishers run (docs/design.md, "The publish
 * round"). Not an API: these types may change in any release; services name only {@code
 * dev.outboxrelay}.
 */
@NullMarked
package dev.outboxrelay.internal;

import org.jspecify.annotations.NullMarked;
