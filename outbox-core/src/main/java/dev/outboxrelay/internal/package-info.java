/**
 * Internals shared by the fast path of {@code outbox-api} and by {@code outbox-relay}: the SQL
 * verbs over {@code t_msg}, the Kafka record mapping and the batch publisher. Not an API: these
 * types may change in any release.
 */
package dev.outboxrelay.internal;
