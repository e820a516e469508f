package dev.outboxrelay.bench;

/**
 * Writes a drain's backlog of {@code rows} messages for {@code topic} into {@code db} (message
 * {@code i} has the shape's key for {@code i}); returns the nanoseconds it took.
 */
@FunctionalInterface
interface BacklogWriter {
  long write(BenchDatabase db, String topic, int rows) throws Exception;
}
