/**
 * The validation of the outbox's and the relay's settings, shared by {@code outbox-api} and {@code
 * outbox-relay}: {@link dev.outboxrelay.config.InvalidSettingException}, the one error every bad
 * setting raises, is the API here.
 */
@NullMarked
package dev.outboxrelay.config;

import org.jspecify.annotations.NullMarked;
