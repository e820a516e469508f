package dev.outboxrelay.internal;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A claimed {@code t_msg} row: everything needed to publish it and to record the outcome.
 *
 * @param id {@code t_msg.id}, the row's key in its own database
 * @param messageId the global message id, the {@code outbox-id} header: {@code t_msg.msg_id}, or
 *     for a row written before schema V4 the id {@link MessageIds#legacy} derives from its columns
 * @param defect why the stored row cannot be published (its columns did not decode); null for a
 *     sound row. A defective row is claimed like any other, so that it can be made DEAD instead of
 *     failing the claim of the whole round.
 */
public record OutboxRow(
    long id,
    String messageId,
    int refType,
    String refId,
    String topic,
    @Nullable String key,
    byte[] payload,
    Map<String, String> headers,
    int lane,
    int attempts,
    Instant createdAt,
    @Nullable String defect) {}
