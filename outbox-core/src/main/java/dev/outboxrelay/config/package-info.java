/**
 * The validation of the outbox's and the relay's settings, shared by {@code outbox-api} and {@code
 * outbox-relay}. The API here is {@link dev.outboxrelay.config.InvalidSettingException}, the one
 * error every bad setting raises, and {@link dev.outboxrelay.config.KafkaSettings}, the Kafka part
 * of both settings records; the other public types are the project's own, for its modules (the
 * architecture tests keep them out of user-facing signatures).
 */
@NullMarked
package dev.outboxrelay.config;

import org.jspecify.annotations.NullMarked;
