package dev.outboxrelay.relay;

import dev.outboxrelay.internal.BatchPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Is the Kafka cluster reachable at all? Tells an outage (nothing can be sent: back off, count no
 * attempts) from messages that cannot be sent (count attempts, dead-letter), and feeds readiness.
 * Also the rounds' topic check, and whether the brokers create missing topics ({@link
 * BrokerTopicCreation}). The topics it sees exist are handed to {@link TopicDurability}, which
 * reads their configuration on the checks thread ({@link #refresh}).
 */
final class KafkaProbe implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaProbe.class);

  /** How often the cluster is asked while it answers. */
  static final Duration CHECK_WHILE_REACHABLE = Duration.ofSeconds(1);

  /**
   * How often it is asked while it does not: the workers wait for the probe to see a broker again,
   * so this bounds how long a backlog written during an outage waits after Kafka is back.
   */
  static final Duration CHECK_WHILE_UNREACHABLE = Duration.ofMillis(250);

  /**
   * {@code reconnect.backoff.max.ms} of the probe's admin client and (unless set) of the relay's
   * producer: Kafka's 1 s default would let a connection attempt after an outage wait up to 1.2 s,
   * which the workers would wait out after the probe saw the broker again.
   */
  static final int RECONNECT_BACKOFF_MAX_MS = 250;

  private final Admin admin;
  private long lastCheckNanos;
  private final int timeoutMillis;
  private volatile boolean reachable = true;
  private static final long KNOWN_TOPIC_TTL_SECONDS = 60;
  private final Map<String, Long> knownUntil = new ConcurrentHashMap<>();
  private final int topicCheckTimeoutMillis;
  private final TopicDurability durability;
  private final BrokerTopicCreation topicCreation;
  private final Runnable onReachableAgain;
  private final String bootstrapServers;

  /**
   * @param onReachableAgain run when a check succeeds after one failed (wakes the workers from a
   *     backoff grown during the outage)
   */
  KafkaProbe(
      RelaySettings settings, Duration timeout, MeterRegistry meters, Runnable onReachableAgain) {
    this.onReachableAgain = onReachableAgain;
    this.bootstrapServers = settings.bootstrapServers();
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
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "outbox-relay-probe-" + settings.instanceId());
    this.timeoutMillis = (int) timeout.toMillis();
    // half of max-block: the check and one send's metadata wait fit in the round's send-timeout
    this.topicCheckTimeoutMillis = (int) Math.max(50, settings.maxBlock().toMillis() / 2);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, RECONNECT_BACKOFF_MAX_MS);
    this.admin = Admin.create(config);
    this.durability = new TopicDurability(admin, meters, timeoutMillis);
    this.topicCreation = new BrokerTopicCreation(admin, timeoutMillis);
  }

  /**
   * Whether a broker answered the last check. Never waits: the relay asks while it holds row locks,
   * so the check itself runs on its own thread ({@link #refreshIfDue}).
   */
  boolean reachable() {
    return reachable;
  }

  /**
   * {@link #refresh} when due: every {@link #CHECK_WHILE_UNREACHABLE} while no broker answers,
   * every {@link #CHECK_WHILE_REACHABLE} while one does. Run it on the checks thread at the shorter
   * interval.
   */
  void refreshIfDue() {
    long now = System.nanoTime();
    if (reachable && now - lastCheckNanos < CHECK_WHILE_REACHABLE.toNanos()) {
      return;
    }
    lastCheckNanos = now;
    refresh();
  }

  /**
   * Asks the cluster, waiting at most the timeout; then, when due, the brokers' {@code
   * auto.create.topics.enable} (as long again) and the configuration of topics seen since the last
   * call; never call it while holding row locks.
   */
  boolean refresh() {
    Collection<Node> nodes;
    @Nullable Exception failure = null;
    try {
      nodes =
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMillis))
              .nodes()
              .get(timeoutMillis + 500L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      nodes = null;
    } catch (Exception e) {
      nodes = null;
      failure = e;
    }
    boolean was = reachable;
    reachable = nodes != null;
    if (was && nodes == null && failure != null) {
      // once per outage, whether or not messages wait: readiness shows it, the log says why
      log.warn(
          "Kafka does not answer at {} ({}): readiness fails and messages wait until it does;"
              + " asking again every {} ms",
          bootstrapServers,
          failure.getCause() != null ? failure.getCause().toString() : failure.toString(),
          CHECK_WHILE_UNREACHABLE.toMillis());
    }
    if (nodes != null) {
      if (!was) {
        log.info("Kafka answers again at {}", bootstrapServers);
        onReachableAgain.run();
      }
      topicCreation.refreshIfDue(nodes);
      durability.checkNew();
    }
    return nodes != null;
  }

  /**
   * {@link BatchPublisher.TopicCheck} through the admin client: one {@code describeTopics} for the
   * topics not seen to exist in the last {@value #KNOWN_TOPIC_TTL_SECONDS} s, waiting at most the
   * half of {@code max-block}. A missing topic or one this client may not describe (so not write
   * either) is unusable; a topic without an answer in time is left to the producer, and so is a
   * missing topic when the brokers create topics on demand: the first send creates it, as any
   * producer's would (the admin's metadata requests never create one).
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
        TopicDescription description =
            Objects.requireNonNull(described.get(topic), topic) // an answer per topic asked
                .get(
                    Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
        knownUntil.put(topic, expires);
        description.partitions().stream()
            .mapToInt(partition -> partition.replicas().size())
            .min()
            .ifPresent(replicas -> durability.seen(topic, replicas));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return unusable;
      } catch (ExecutionException e) {
        boolean missing = e.getCause() instanceof UnknownTopicOrPartitionException;
        if ((missing && !topicCreation.creates())
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
