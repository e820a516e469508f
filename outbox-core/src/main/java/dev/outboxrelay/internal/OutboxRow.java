package dev.outboxrelay.internal;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A claimed {@code t_msg} row: everything needed to publish it and to record the outcome. */
public record OutboxRow(
    long id,
    int refType,
    String refId,
    String topic,
    @Nullable String key,
    byte[] payload,
    Map<String, String> headers,
    int lane,
    int attempts,
    Instant createdAt) {}
