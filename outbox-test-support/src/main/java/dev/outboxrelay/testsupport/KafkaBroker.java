package dev.outboxrelay.testsupport;

/** A running single-node Kafka cluster that tests can take down and bring back. */
public interface KafkaBroker {

  String bootstrapServers();

  /**
   * Simulates an outage: the broker stops serving but keeps its data. Returns once clients can no
   * longer reach it.
   */
  void stop();

  /**
   * Ends an outage: the broker serves again on the same address with the same data. Returns once it
   * answers clients; fails with an exception after a bounded wait.
   */
  void start();

  boolean isRunning();

  /**
   * Freezes the broker as SIGSTOP does: its connections stay open and the kernel still accepts new
   * ones, but no request is handled until {@link #resume}; the requests sent meanwhile wait in its
   * sockets and are handled then (a late acknowledgement). Does nothing while paused.
   */
  void pause();

  /** Ends a {@link #pause}: the broker handles what waited and serves again. Idempotent. */
  void resume();

  /** Creates a topic with replication factor 1 and returns once every partition has a leader. */
  void createTopic(String name, int partitions);
}
