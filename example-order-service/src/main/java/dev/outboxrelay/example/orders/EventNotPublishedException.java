package dev.outboxrelay.example.orders;

/** Kafka did not acknowledge an event that a direct publishing strategy sent (approaches 1, 2). */
class EventNotPublishedException extends RuntimeException {
  EventNotPublishedException(long orderId, Throwable cause) {
    super("Kafka did not acknowledge the event of order " + orderId + ": " + cause, cause);
  }
}
