package dev.outboxrelay.testsupport;

/** A running MySQL-compatible server reachable with Connector/J. */
public interface DatabaseServer {

  String host();

  int port();

  /** A user allowed to create and drop databases. */
  String username();

  String password();

  /**
   * A Connector/J URL for {@code databaseName} on this server (an empty name connects without a
   * default database), with TLS off and batched statements rewritten into multi-row inserts.
   */
  String jdbcUrl(String databaseName);

  /**
   * Creates a new, empty utf8mb4 database named {@code <namePrefix>_<n>}, unique on this server.
   * Close it to drop it.
   */
  TestDatabase createDatabase(String namePrefix);

  /**
   * Simulates an outage: the server stops serving but keeps its data. Returns once clients can no
   * longer reach it; open connections are broken.
   */
  void stop();

  /**
   * Ends an outage: the server serves again on the same address with the same data. Returns once it
   * accepts connections; fails with an exception after a bounded wait.
   */
  void start();

  boolean isRunning();
}
