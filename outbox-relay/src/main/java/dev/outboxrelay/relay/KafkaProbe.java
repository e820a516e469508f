package dev.outboxrelay.relay;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Is the Kafka cluster reachable at all? Tells an outage (nothing can be sent: back off, count no
 * attempts) from messages that cannot be sent (count attempts, dead-letter), and feeds readiness.
 */
final class KafkaProbe implements AutoCloseable {
  private final Admin admin;
  private final int timeoutMillis;
  private volatile boolean reachable = true;

  KafkaProbe(RelaySettings settings, Duration timeout) {
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
    reachable = result;
    return result;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(2));
  }
}
