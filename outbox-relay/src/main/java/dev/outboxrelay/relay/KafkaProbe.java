package dev.outboxrelay.relay;

import dev.outboxrelay.internal.BatchPublisher;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Is the Kafka cluster reachable at all? Tells an outage (nothing can be sent: back off, count no
 * attempts) from messages that cannot be sent (count attempts, dead-letter), and feeds readiness.
 */
final class KafkaProbe implements AutoCloseable {
  private final Admin admin;
  private final int timeoutMillis;
  private volatile boolean reachable = true;
  private static final long KNOWN_TOPIC_TTL_SECONDS = 60;
  private final Map<String, Long> knownUntil = new ConcurrentHashMap<>();
  private final int topicCheckTimeoutMillis;
  private final Runnable onReachableAgain;

  /**
   * @param onReachableAgain run when a check succeeds after one failed (wakes the workers from a
   *     backoff grown during the outage)
   */
  KafkaProbe(RelaySettings settings, Duration timeout, Runnable onReachableAgain) {
    this.onReachableAgain = onReachableAgain;
    Map<String, Object> config = new HashMap<>();
    // Only what an admin client understands from the producer settings: the connection.
    settings
        .kafka()
        .properties()
        .forEach(
            (key, value) -> {
              if (key.startsWith("security.")
                  || key.startsWith("ssl.")
                  || key.startsWith("sasl.")
                  || key.equals("client.dns.lookup")) {
                config.put(key, value);
              }
            });
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafka().bootstrapServers());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "outbox-relay-probe-" + settings.instanceId());
    this.timeoutMillis = (int) timeout.toMillis();
    // half of max-block: the check and one send's metadata wait fit in the round's send-timeout
    this.topicCheckTimeoutMillis = (int) Math.max(50, settings.maxBlock().toMillis() / 2);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
    this.admin = Admin.create(config);
  }

  /**
   * Whether a broker answered the last check. Never waits: the relay asks while it holds row locks,
   * so the check itself runs on its own thread ({@link #refresh}, every second).
   */
  boolean reachable() {
    return reachable;
  }

  /** Asks the cluster, waiting at most the timeout; never call it while holding row locks. */
  boolean refresh() {
    boolean result;
    try {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMillis))
          .nodes()
          .get(timeoutMillis + 500L, TimeUnit.MILLISECONDS);
      result = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result = false;
    } catch (Exception e) {
      result = false;
    }
    boolean was = reachable;
    reachable = result;
    if (result && !was) {
      onReachableAgain.run();
    }
    return result;
  }

  /**
   * {@link BatchPublisher.TopicCheck} through the admin client: one {@code describeTopics} for the
   * topics not seen to exist in the last {@value #KNOWN_TOPIC_TTL_SECONDS} s, waiting at most the
   * half of {@code max-block}. A missing topic or one this client may not describe (so not write
   * either) is unusable; a topic without an answer in time is left to the producer.
   */
  Map<String, Exception> unusableTopics(Set<String> topics) {
    long now = System.nanoTime();
    List<String> unknown =
        topics.stream().filter(t -> knownUntil.getOrDefault(t, now) - now <= 0).toList();
    if (unknown.isEmpty()) {
      return Map.of();
    }
    Map<String, KafkaFuture<TopicDescription>> described =
        admin
            .describeTopics(unknown, new DescribeTopicsOptions().timeoutMs(topicCheckTimeoutMillis))
            .topicNameValues();
    Map<String, Exception> unusable = new HashMap<>();
    long expires = now + TimeUnit.SECONDS.toNanos(KNOWN_TOPIC_TTL_SECONDS);
    long deadline = now + TimeUnit.MILLISECONDS.toNanos(topicCheckTimeoutMillis);
    for (String topic : unknown) {
      try {
        described
            .get(topic)
            .get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
        knownUntil.put(topic, expires);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return unusable;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException
            || e.getCause() instanceof TopicAuthorizationException) {
          unusable.put(topic, (Exception) e.getCause());
        }
      } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
        // no verdict: the producer tries it
      }
    }
    return unusable;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(2));
  }
}
