package dev.outboxrelay.relay;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka keeps what it acknowledged to the relay: guarantee 2 ({@code acks=all}) holds
 * through a broker's loss only if each topic's {@code min.insync.replicas} is at least 2 and no
 * out-of-sync replica may be elected leader ({@code unclean.leader.election.enable=false}). With
 * Kafka's default {@code min.insync.replicas=1}, {@code acks=all} is satisfied by the leader alone,
 * and rows marked SENT are lost with it. Read when the relay first sees a topic exist and again at
 * most every ten minutes while it publishes to it, off the rounds (on the checks thread: no row
 * lock waits for it); a topic at risk is logged (WARN) when found so, and when fixed (INFO), and
 * gauged by {@value #RISK} {@code {topic}}: 1 at risk of losing acknowledged messages, 0 not. A
 * topic that stops writes when one replica is down ({@code min.insync.replicas} ≥ its replication
 * factor) is logged too: its messages wait, none is lost. A configuration that cannot be read (no
 * {@code DescribeConfigs} right) is logged once and not gauged; a timeout is retried a minute
 * later.
 */
final class TopicDurability {
  private static final Logger log = LoggerFactory.getLogger(TopicDurability.class);
  static final String RISK = "outbox.topic.durability.risk";
  private static final String MIN_INSYNC = "min.insync.replicas";
  private static final String UNCLEAN = "unclean.leader.election.enable";
  private static final long RETRY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final long RECHECK_NANOS = TimeUnit.MINUTES.toNanos(10);

  private final Admin admin;
  private final MeterRegistry meters;
  private final int timeoutMillis;
  // topic → its replication factor, until its configuration has been read
  private final Map<String, Integer> unread = new ConcurrentHashMap<>();
  private final Map<String, Long> retryAt = new ConcurrentHashMap<>();
  // topic → 1 at risk, 0 not, -1 its configuration may not be read; and when that was found
  private final Map<String, Integer> checked = new ConcurrentHashMap<>();
  private final Map<String, Long> checkedAt = new ConcurrentHashMap<>();

  TopicDurability(Admin admin, MeterRegistry meters, int timeoutMillis) {
    this.admin = admin;
    this.meters = meters;
    this.timeoutMillis = timeoutMillis;
  }

  /** {@code topic} exists with {@code replicationFactor} replicas (its smallest partition's). */
  void seen(String topic, int replicationFactor) {
    Long at = checkedAt.get(topic);
    if (at == null || System.nanoTime() - at > RECHECK_NANOS) {
      unread.put(topic, replicationFactor);
    }
  }

  /** Reads the configuration of the topics seen but not read yet, in one request; never throws. */
  void checkNew() {
    long now = System.nanoTime();
    List<ConfigResource> due = new ArrayList<>();
    unread.keySet().stream()
        .filter(topic -> retryAt.getOrDefault(topic, now) - now <= 0)
        .forEach(topic -> due.add(new ConfigResource(ConfigResource.Type.TOPIC, topic)));
    if (due.isEmpty()) {
      return;
    }
    Map<ConfigResource, KafkaFuture<Config>> configs =
        admin.describeConfigs(due, new DescribeConfigsOptions().timeoutMs(timeoutMillis)).values();
    for (ConfigResource resource : due) {
      String topic = resource.name();
      try {
        Config config =
            Objects.requireNonNull(configs.get(resource))
                .get(timeoutMillis + 500L, TimeUnit.MILLISECONDS);
        record(topic, unread.remove(topic), config);
        retryAt.remove(topic);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof AuthorizationException
            || e.getCause() instanceof UnknownTopicOrPartitionException) {
          giveUp(topic, e.getCause());
        } else {
          retryAt.put(topic, now + RETRY_NANOS);
        }
      } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
        retryAt.put(topic, now + RETRY_NANOS);
      }
    }
  }

  private void giveUp(String topic, Throwable why) {
    unread.remove(topic);
    retryAt.remove(topic);
    checkedAt.put(topic, System.nanoTime());
    Integer before = checked.put(topic, -1);
    if (before != null && before == -1) {
      return; // said so already
    }
    log.warn(
        "cannot read the configuration of topic {} ({}): whether Kafka keeps its acknowledged"
            + " messages through a broker's loss is not checked",
        topic,
        why.toString());
  }

  private void record(String topic, @Nullable Integer replicationFactor, Config config) {
    int minInsync = intValue(config.get(MIN_INSYNC), 1);
    boolean unclean = Boolean.parseBoolean(value(config.get(UNCLEAN), "false"));
    int replicas = replicationFactor == null ? 0 : replicationFactor;
    String risk = risk(minInsync, unclean);
    Integer before = checked.put(topic, risk == null ? 0 : 1);
    checkedAt.put(topic, System.nanoTime());
    Gauge.builder(RISK, checked, c -> Math.max(0, c.getOrDefault(topic, 0)))
        .description(
            "1 when the topic's configuration lets Kafka lose messages it acknowledged with"
                + " acks=all (min.insync.replicas below 2, or unclean leader election), else 0")
        .tag("topic", topic)
        .register(meters);
    boolean changed = before == null || before != (risk == null ? 0 : 1);
    if (!changed) {
      return;
    }
    if (risk != null) {
      log.warn(
          "topic {} may lose messages Kafka acknowledged, which the outbox then recorded as sent: {}"
              + " (replication factor {}); set min.insync.replicas=2 with a replication factor of"
              + " 3 or more",
          topic,
          risk,
          replicas);
    } else if (before != null && before == 1) {
      log.info(
          "topic {} keeps what Kafka acknowledged now (min.insync.replicas={})", topic, minInsync);
    } else if (minInsync >= replicas) {
      log.warn(
          "topic {} takes no writes {} (min.insync.replicas={}, replication factor {}): its"
              + " messages then wait PENDING; a replication factor above min.insync.replicas"
              + " avoids it",
          topic,
          minInsync > replicas ? "at all" : "while one of its replicas is down",
          minInsync,
          replicas);
    }
  }

  /**
   * Why a topic with these settings may lose a write acknowledged to {@code acks=all}; null when it
   * may not.
   */
  static @Nullable String risk(int minInsyncReplicas, boolean unclean) {
    if (minInsyncReplicas < 2) {
      return "min.insync.replicas="
          + minInsyncReplicas
          + ", so acks=all is satisfied by the leader alone and a write is lost with it";
    }
    if (unclean) {
      return "unclean.leader.election.enable=true, so a replica that missed writes may become"
          + " leader";
    }
    return null;
  }

  private static int intValue(@Nullable ConfigEntry entry, int otherwise) {
    try {
      return Integer.parseInt(value(entry, Integer.toString(otherwise)).trim());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  private static String value(@Nullable ConfigEntry entry, String otherwise) {
    return entry == null || entry.value() == null ? otherwise : entry.value();
  }
}
