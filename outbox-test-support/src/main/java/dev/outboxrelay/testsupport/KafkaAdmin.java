package dev.outboxrelay.testsupport;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Short-lived AdminClient calls the brokers and the cluster need: readiness, topic creation,
 * partition leaders.
 */
final class KafkaAdmin {

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);

  private KafkaAdmin() {}

  /** True once the cluster answers describeCluster with at least one node. */
  static boolean clusterAnswers(String bootstrapServers) throws Exception {
    Admin admin = connect(bootstrapServers);
    try {
      return !admin
          .describeCluster()
          .nodes()
          .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .isEmpty();
    } finally {
      admin.close(Duration.ofSeconds(1));
    }
  }

  /** True once {@code describeCluster} names the node {@code nodeId} among the live brokers. */
  static boolean clusterHasNode(String bootstrapServers, int nodeId) throws Exception {
    Admin admin = connect(bootstrapServers);
    try {
      return admin
          .describeCluster()
          .nodes()
          .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .stream()
          .anyMatch(node -> node.id() == nodeId);
    } finally {
      admin.close(Duration.ofSeconds(1));
    }
  }

  /**
   * The partition as the cluster's metadata describes it now: its leader, replicas and ISR.
   *
   * @throws IllegalStateException if the cluster does not answer within 5 s
   */
  static TopicPartitionInfo partition(String bootstrapServers, String topic, int partition) {
    Admin admin = connect(bootstrapServers);
    try {
      return describe(admin, topic).partitions().stream()
          .filter(info -> info.partition() == partition)
          .findFirst()
          .orElseThrow(
              () -> new IllegalArgumentException("No partition " + partition + " of " + topic));
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "Could not describe topic " + topic + " on " + bootstrapServers + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while describing topic " + topic, e);
    } finally {
      admin.close(Duration.ofSeconds(1));
    }
  }

  /**
   * Creates the topic and waits until every partition has a leader and all its replicas in sync, so
   * the first send does not race the leader election. An existing topic with the same partition
   * count is accepted: test classes sharing one broker may create the same topic.
   */
  static void createTopic(
      String bootstrapServers, String name, int partitions, short replicationFactor) {
    if (name == null || name.isBlank() || partitions < 1) {
      throw new IllegalArgumentException(
          "Topic needs a name and at least 1 partition, got '" + name + "', " + partitions);
    }
    Admin admin = connect(bootstrapServers);
    try {
      try {
        admin
            .createTopics(List.of(new NewTopic(name, partitions, replicationFactor)))
            .all()
            .get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
        int existing = describe(admin, name).partitions().size();
        if (existing != partitions) {
          throw new IllegalStateException(
              "Topic "
                  + name
                  + " already exists on "
                  + bootstrapServers
                  + " with "
                  + existing
                  + " partitions, not "
                  + partitions);
        }
      }
      BoundedWait.until(
          "Topic " + name + " on " + bootstrapServers,
          TOPIC_TIMEOUT,
          null,
          () -> allPartitionsInSync(admin, name, partitions, replicationFactor),
          () ->
              "expected "
                  + partitions
                  + " partitions, each with a leader and "
                  + replicationFactor
                  + " replicas in sync");
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "Could not create topic " + name + " on " + bootstrapServers + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topic " + name, e);
    } finally {
      admin.close(Duration.ofSeconds(1));
    }
  }

  private static boolean allPartitionsInSync(
      Admin admin, String name, int partitions, short replicationFactor) throws Exception {
    TopicDescription topic = describe(admin, name);
    return topic.partitions().size() == partitions
        && topic.partitions().stream()
            .allMatch(
                partition ->
                    partition.leader() != null
                        && !partition.leader().isEmpty()
                        && partition.isr().size() >= replicationFactor);
  }

  private static TopicDescription describe(Admin admin, String name)
      throws ExecutionException, InterruptedException, TimeoutException {
    return admin
        .describeTopics(List.of(name))
        .allTopicNames()
        .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .get(name);
  }

  private static Admin connect(String bootstrapServers) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "outbox-test-support");
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
    return Admin.create(properties);
  }
}
