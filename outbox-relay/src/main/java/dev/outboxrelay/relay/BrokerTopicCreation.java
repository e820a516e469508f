package dev.outboxrelay.relay;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the Kafka brokers create a missing topic when a producer asks for it ({@code
 * auto.create.topics.enable}, on by default). The relay's topic check asks through the admin API,
 * whose metadata requests never create a topic (KAFKA-5291): on brokers that do, a missing topic
 * must be left to the producer, which would publish to it as any producer does.
 *
 * <p>Read from every broker's configuration on the relay's check thread, never under row locks, and
 * again every {@value #REREAD_MINUTES} minutes (the setting is static: it changes with a broker
 * restart). Until the first answer a missing topic counts as missing, as the check always had it; a
 * relay that may not read the configuration (no {@code DescribeConfigs} on the cluster) behaves as
 * a producer would and leaves missing topics to the producer.
 */
final class BrokerTopicCreation {
  private static final Logger log = LoggerFactory.getLogger(BrokerTopicCreation.class);
  private static final String CONFIG = "auto.create.topics.enable";
  private static final long REREAD_MINUTES = 10;

  private final Admin admin;
  private final int timeoutMillis;

  /** Null until the first verdict. */
  private volatile @Nullable Boolean creates;

  /** When to read again, {@link System#nanoTime()}; only the check thread touches it. */
  private long nextRead = System.nanoTime();

  BrokerTopicCreation(Admin admin, int timeoutMillis) {
    this.admin = admin;
    this.timeoutMillis = timeoutMillis;
  }

  /** Whether a producer's first send to a missing topic creates it now; false until known. */
  boolean creates() {
    return Boolean.TRUE.equals(creates);
  }

  /**
   * Reads the setting of {@code brokers} when due, waiting at most the timeout; a failed read
   * (timeout, network) changes nothing and is tried again at the next call.
   */
  void refreshIfDue(Collection<Node> brokers) {
    long now = System.nanoTime();
    if (now - nextRead < 0 || brokers.isEmpty()) {
      return;
    }
    List<ConfigResource> resources =
        brokers.stream()
            .map(broker -> new ConfigResource(ConfigResource.Type.BROKER, broker.idString()))
            .toList();
    try {
      Map<ConfigResource, Config> configs =
          admin
              .describeConfigs(resources, new DescribeConfigsOptions().timeoutMs(timeoutMillis))
              .all()
              .get(timeoutMillis + 500L, TimeUnit.MILLISECONDS);
      // Every broker: a producer's metadata request may go to any of them.
      boolean all = configs.values().stream().allMatch(BrokerTopicCreation::createsTopics);
      decide(all, CONFIG + "=" + all + (all ? " on every broker" : " on a broker"));
      nextRead = now + TimeUnit.MINUTES.toNanos(REREAD_MINUTES);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthorizationException
          || e.getCause() instanceof UnsupportedVersionException) {
        // As a producer would: the broker decides at the first send. The cost, where the brokers
        // do not create topics, is one metadata wait of max-block per missing topic and round.
        decide(
            true,
            CONFIG
                + " unreadable, "
                + e.getCause()
                + "; grant DescribeConfigs on the cluster to fail missing topics without a wait");
        nextRead = now + TimeUnit.MINUTES.toNanos(REREAD_MINUTES);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException | RuntimeException e) {
      // no verdict: asked again at the next call
    }
  }

  /** The broker's own default, true, when the entry is absent. */
  private static boolean createsTopics(Config config) {
    ConfigEntry entry = config.get(CONFIG);
    return entry == null || entry.value() == null || Boolean.parseBoolean(entry.value());
  }

  private void decide(boolean verdict, String why) {
    Boolean before = creates;
    creates = verdict;
    if (before != null && before == verdict) {
      return;
    }
    if (verdict) {
      log.info(
          "missing Kafka topics are left to the producer, which has the broker create them at the"
              + " first send ({})",
          why);
    } else {
      log.info(
          "Kafka does not create missing topics ({}): their messages wait, without using up"
              + " attempts, until the topic is created",
          why);
    }
  }
}
