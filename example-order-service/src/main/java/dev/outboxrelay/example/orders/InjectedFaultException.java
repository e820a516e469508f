package dev.outboxrelay.example.orders;

/** A failure injected on purpose with {@code POST /orders?fail=...} (see {@link Fault}). */
class InjectedFaultException extends RuntimeException {
  InjectedFaultException(String message) {
    super(message);
  }
}
