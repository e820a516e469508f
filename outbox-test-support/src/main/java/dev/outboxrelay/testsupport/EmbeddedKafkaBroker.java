package dev.outboxrelay.testsupport;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka cluster: one {@link KafkaNode}, its own controller quorum. Stop and
 * start simulate an outage without losing topics or records.
 */
final class EmbeddedKafkaBroker implements KafkaBroker {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaNode node;
  private final boolean autoCreateTopics;

  private EmbeddedKafkaBroker(KafkaNode node, boolean autoCreateTopics) {
    this.node = node;
    this.autoCreateTopics = autoCreateTopics;
  }

  /**
   * @param autoCreateTopics the broker's {@code auto.create.topics.enable}: whether a producer's
   *     metadata request for a missing topic creates it
   */
  static EmbeddedKafkaBroker startNew(boolean autoCreateTopics) {
    KafkaNode node = new KafkaNode(1, BrokerClasspath.load(), "-Xmx512m");
    EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(node, autoCreateTopics);
    // Registered first: a JVM stopped while the broker starts must not leave the broker running.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> node.shutdown(false), "outbox-test-support-kafka-shutdown"));
    try {
      long startNanos = System.nanoTime();
      node.configure(node.voter(), settings(autoCreateTopics));
      node.format(Uuid.randomUuid().toString());
      node.launch();
      node.awaitReady(START_TIMEOUT);
      log.info(
          "Kafka broker started on {} in {} ms (dir {})",
          broker.bootstrapServers(),
          (System.nanoTime() - startNanos) / 1_000_000,
          node.dir());
    } catch (RuntimeException e) {
      node.shutdown(false);
      throw e;
    }
    return broker;
  }

  private static Map<String, String> settings(boolean autoCreateTopics) {
    Map<String, String> config = new LinkedHashMap<>();
    // One node: every internal topic must make do with one replica.
    config.put("offsets.topic.replication.factor", "1");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("share.coordinator.state.topic.replication.factor", "1");
    config.put("share.coordinator.state.topic.min.isr", "1");
    // Off for the shared broker, as many production brokers run: a topic exists only once created,
    // so a missing topic is a real failure the relay must survive (tests create theirs). On for
    // the broker that tests Kafka's own default against.
    config.put("auto.create.topics.enable", String.valueOf(autoCreateTopics));
    return config;
  }

  @Override
  public String bootstrapServers() {
    return node.address();
  }

  @Override
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    long startNanos = System.nanoTime();
    node.launch();
    node.awaitReady(START_TIMEOUT);
    log.info(
        "Kafka broker restarted on {} with its data in {} ms",
        bootstrapServers(),
        (System.nanoTime() - startNanos) / 1_000_000);
  }

  @Override
  public synchronized void stop() {
    node.stop();
  }

  @Override
  public void pause() {
    node.pause();
  }

  @Override
  public void resume() {
    node.resume();
  }

  @Override
  public boolean isRunning() {
    return node.isRunning();
  }

  @Override
  public void createTopic(String name, int partitions) {
    KafkaAdmin.createTopic(bootstrapServers(), name, partitions, (short) 1);
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaBroker["
        + bootstrapServers()
        + ", "
        + node.dir()
        + (autoCreateTopics ? ", auto.create.topics.enable=true" : "")
        + "]";
  }
}
