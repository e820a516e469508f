package dev.outboxrelay.testsupport;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.mysql.MySQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Testcontainers variants ({@code -Doutbox.test.servers=testcontainers}). The only class that
 * touches Testcontainers, and only loaded in that mode: the dependency is optional.
 */
final class ContainerServers {

  private static final Logger log = LoggerFactory.getLogger(ContainerServers.class);
  private static final String MYSQL_IMAGE = "mysql:8.4";
  private static final String KAFKA_IMAGE = "apache/kafka:4.1.2";

  private ContainerServers() {}

  static DatabaseServer startMySql() {
    long startNanos = System.nanoTime();
    MySqlContainerServer server = new MySqlContainerServer();
    server.container.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(server.container::stop, "outbox-test-support-mysql-container-shutdown"));
    log.info(
        "MySQL container {} started on {}:{} in {} ms",
        MYSQL_IMAGE,
        server.host(),
        server.port(),
        (System.nanoTime() - startNanos) / 1_000_000);
    return server;
  }

  /**
   * @param autoCreateTopics the broker's {@code auto.create.topics.enable}, as for the embedded one
   */
  static KafkaBroker startKafka(boolean autoCreateTopics) {
    long startNanos = System.nanoTime();
    KafkaContainerBroker broker = new KafkaContainerBroker(autoCreateTopics);
    broker.container.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(broker.container::stop, "outbox-test-support-kafka-container-shutdown"));
    log.info(
        "Kafka container {} started on {} in {} ms",
        KAFKA_IMAGE,
        broker.bootstrapServers(),
        (System.nanoTime() - startNanos) / 1_000_000);
    return broker;
  }

  /** MySQL 8.4 configured like the embedded MariaDB; tests log in as root. */
  static final class MySqlContainerServer extends AbstractDatabaseServer {

    private static final String ROOT_PASSWORD = "test";
    private boolean paused;

    private final MySQLContainer container =
        new MySQLContainer(DockerImageName.parse(MYSQL_IMAGE))
            // As root: MySQLContainer then sets MYSQL_ROOT_PASSWORD and creates no other user.
            .withUsername("root")
            .withPassword(ROOT_PASSWORD)
            .withCommand(
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                "--max-connections=500");

    @Override
    public String host() {
      return container.getHost();
    }

    @Override
    public int port() {
      return container.getMappedPort(MySQLContainer.MYSQL_PORT);
    }

    @Override
    public String username() {
      return "root";
    }

    @Override
    public String password() {
      return ROOT_PASSWORD;
    }

    /** An outage is a paused container: the process freezes, its data and address stay. */
    @Override
    public synchronized void stop() {
      if (!paused) {
        container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
        paused = true;
        log.info("MySQL container on {}:{} paused", host(), port());
      }
    }

    @Override
    public synchronized void start() {
      if (paused) {
        container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
        paused = false;
        log.info("MySQL container on {}:{} unpaused", host(), port());
      }
    }

    @Override
    public synchronized boolean isRunning() {
      return !paused;
    }
  }

  /** An outage is a paused container: the process freezes, its data and address stay. */
  static final class KafkaContainerBroker implements KafkaBroker {

    private static final Duration RESUME_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaContainer container;
    private boolean paused;

    KafkaContainerBroker(boolean autoCreateTopics) {
      // The image's default is on; the shared broker runs it off, as the embedded one does.
      container =
          new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
              .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", String.valueOf(autoCreateTopics));
    }

    @Override
    public String bootstrapServers() {
      return container.getBootstrapServers();
    }

    /**
     * Pauses the container. Unlike the embedded broker, its mapped port may still complete TCP
     * handshakes (the kernel does that), but the broker answers no request until {@link #start}.
     */
    @Override
    public synchronized void stop() {
      if (paused) {
        return;
      }
      container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
      paused = true;
      log.info("Kafka container on {} paused", bootstrapServers());
    }

    @Override
    public synchronized void start() {
      if (!paused) {
        return;
      }
      long startNanos = System.nanoTime();
      container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
      paused = false;
      BoundedWait.until(
          "Kafka container on " + bootstrapServers(),
          RESUME_TIMEOUT,
          null,
          () -> KafkaAdmin.clusterAnswers(bootstrapServers()),
          () -> "container " + container.getContainerId() + " was unpaused");
      log.info(
          "Kafka container on {} resumed in {} ms",
          bootstrapServers(),
          (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** The container's outage is a pause already. */
    @Override
    public void pause() {
      stop();
    }

    @Override
    public void resume() {
      start();
    }

    @Override
    public synchronized boolean isRunning() {
      return !paused && container.isRunning();
    }

    @Override
    public void createTopic(String name, int partitions) {
      KafkaAdmin.createTopic(bootstrapServers(), name, partitions, (short) 1);
    }
  }
}
