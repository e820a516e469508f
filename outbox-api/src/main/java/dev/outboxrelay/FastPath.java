package dev.outboxrelay;

import java.util.List;

/** Publishes just-committed messages at once; the relay delivers whatever it does not. */
interface FastPath extends AutoCloseable {

  /** No fast path: the relay delivers every message. */
  FastPath NONE =
      new FastPath() {
        @Override
        public void publishAfterCommit(List<Long> ids) {}

        @Override
        public void close() {}
      };

  /** Hands committed message ids over; never blocks on Kafka, never throws. */
  void publishAfterCommit(List<Long> ids);

  @Override
  void close();
}
