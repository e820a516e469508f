package dev.outboxrelay.internal;

/**
 * A row that cannot become a Kafka record at all: its stored columns do not decode (e.g. {@code
 * headers} that is not a JSON object of strings, written by hand or by another tool), or the record
 * cannot be built or serialized. No retry can cure it: the relay makes the row DEAD at once, with
 * this message as the reason, and the rest of its round goes on.
 */
public class UnpublishableMessageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnpublishableMessageException(String message) {
    super(message);
  }

  public UnpublishableMessageException(String message, Throwable cause) {
    super(message + ": " + cause, cause);
  }
}
