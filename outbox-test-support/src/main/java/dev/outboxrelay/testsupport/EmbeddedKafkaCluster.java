package dev.outboxrelay.testsupport;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three {@link KafkaNode}s, each broker and controller, forming one KRaft cluster with a 3-voter
 * controller quorum. Its failure detection is quicker than Kafka's defaults, so that a test sees a
 * crashed or frozen node replaced within seconds.
 */
final class EmbeddedKafkaCluster implements KafkaCluster {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
  private static final int NODES = 3;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(60);

  /** Per node: the machine has 2 cores and room for three modest heaps beside the tests. */
  private static final String HEAP = "-Xmx384m";

  private final List<KafkaNode> nodes;

  private EmbeddedKafkaCluster(List<KafkaNode> nodes) {
    this.nodes = nodes;
  }

  static EmbeddedKafkaCluster startNew() {
    String classpath = BrokerClasspath.load();
    List<KafkaNode> nodes = new java.util.ArrayList<>();
    // Registered first: a JVM stopped while the cluster starts must not leave nodes running.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> nodes.forEach(node -> node.shutdown(true)),
                "outbox-test-support-kafka-cluster-shutdown"));
    EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(nodes);
    try {
      long startNanos = System.nanoTime();
      for (int id = 1; id <= NODES; id++) {
        nodes.add(new KafkaNode(id, classpath, HEAP));
      }
      String voters = nodes.stream().map(KafkaNode::voter).collect(Collectors.joining(","));
      String clusterId = Uuid.randomUuid().toString();
      for (KafkaNode node : nodes) {
        node.configure(voters, settings());
        node.format(clusterId);
      }
      // All before any is awaited: a controller is elected only once a majority runs.
      nodes.forEach(KafkaNode::launch);
      nodes.forEach(node -> node.awaitReady(START_TIMEOUT));
      log.info(
          "Kafka cluster of {} nodes started on {} in {} ms",
          NODES,
          cluster.bootstrapServers(),
          (System.nanoTime() - startNanos) / 1_000_000);
    } catch (RuntimeException e) {
      nodes.forEach(node -> node.shutdown(true));
      throw e;
    }
    return cluster;
  }

  private static Map<String, String> settings() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("default.replication.factor", "3");
    config.put("min.insync.replicas", "2");
    config.put("unclean.leader.election.enable", "false");
    config.put("offsets.topic.replication.factor", "3");
    config.put("transaction.state.log.replication.factor", "3");
    config.put("transaction.state.log.min.isr", "2");
    config.put("share.coordinator.state.topic.replication.factor", "3");
    config.put("share.coordinator.state.topic.min.isr", "2");
    config.put("auto.create.topics.enable", "false");
    // A crashed or frozen node is fenced, and its partitions get new leaders, after 4 s without a
    // heartbeat instead of 9 s.
    config.put("broker.heartbeat.interval.ms", "500");
    config.put("broker.session.timeout.ms", "4000");
    // A follower that stopped fetching leaves the ISR after 5 s instead of 30 s: acks=all waits
    // for it no longer than that (the ISR then still meets min.insync.replicas with the others).
    config.put("replica.lag.time.max.ms", "5000");
    return config;
  }

  @Override
  public String bootstrapServers() {
    return nodes.stream().map(KafkaNode::address).collect(Collectors.joining(","));
  }

  @Override
  public List<Integer> nodeIds() {
    return nodes.stream().map(KafkaNode::id).toList();
  }

  @Override
  public int leader(String topic, int partition) {
    Node leader = describe(topic, partition).leader();
    return leader == null || leader.isEmpty() ? -1 : leader.id();
  }

  @Override
  public List<Integer> inSyncReplicas(String topic, int partition) {
    return describe(topic, partition).isr().stream().map(Node::id).sorted().toList();
  }

  /** The partition as the first running, unpaused node that answers describes it. */
  private TopicPartitionInfo describe(String topic, int partition) {
    RuntimeException failure = null;
    for (KafkaNode node : nodes) {
      if (node.isRunning() && !node.isPaused()) {
        try {
          return KafkaAdmin.partition(node.address(), topic, partition);
        } catch (RuntimeException e) {
          // a node that just started, or that the client's metadata led to a paused one: next
          failure = e;
        }
      }
    }
    throw new IllegalStateException(
        "No running node of " + bootstrapServers() + " described " + topic + "-" + partition,
        failure);
  }

  @Override
  public void kill(int nodeId) {
    node(nodeId).kill();
  }

  @Override
  public void stop(int nodeId) {
    node(nodeId).stop();
  }

  @Override
  public void start(int nodeId) {
    KafkaNode node = node(nodeId);
    synchronized (node) {
      if (node.isRunning()) {
        return;
      }
      long startNanos = System.nanoTime();
      node.launch();
      node.awaitReady(RESTART_TIMEOUT);
      log.info(
          "Kafka node {} restarted on {} with its data in {} ms",
          nodeId,
          node.address(),
          (System.nanoTime() - startNanos) / 1_000_000);
    }
  }

  @Override
  public void pause(int nodeId) {
    node(nodeId).pause();
  }

  @Override
  public void resume(int nodeId) {
    node(nodeId).resume();
  }

  @Override
  public boolean isRunning(int nodeId) {
    return node(nodeId).isRunning();
  }

  @Override
  public synchronized void restore() {
    nodes.forEach(KafkaNode::resume);
    List<KafkaNode> stopped = nodes.stream().filter(node -> !node.isRunning()).toList();
    // All before any is awaited: with two nodes down, one alone would not make a quorum.
    stopped.forEach(KafkaNode::launch);
    stopped.forEach(node -> node.awaitReady(RESTART_TIMEOUT));
  }

  @Override
  public void createTopic(String name, int partitions) {
    KafkaAdmin.createTopic(bootstrapServers(), name, partitions, (short) NODES);
  }

  private KafkaNode node(int nodeId) {
    return nodes.stream()
        .filter(node -> node.id() == nodeId)
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("No Kafka node " + nodeId + " in " + nodeIds()));
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaCluster[" + bootstrapServers() + "]";
  }
}
