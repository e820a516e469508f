package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.RelaySettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The relay's settings as Spring Boot binds them ({@code outbox.relay.*}, also environment
 * variables such as {@code OUTBOX_RELAY_BATCH_SIZE}), turned into the validated {@link
 * RelaySettings}, where the defaults and ranges are declared. The defaults are repeated here as
 * literals so that the configuration processor writes them into the IDE metadata; a test checks
 * both agree, and the README table is checked against that metadata.
 */
@ConfigurationProperties("outbox.relay")
public class OutboxRelayProperties {
  /** Run the relay in this application (the relay application sets it; libraries default off). */
  private boolean enabled = false;

  private final Kafka kafka = new Kafka();

  /** Lanes message keys are hashed to (1 to 1024); must equal the writers' outbox.lanes. */
  private int lanes = 16;

  /** Worker threads of this instance (1 to 64). */
  private int workers = 2;

  /** Rows claimed and published per round of a worker, shared by its lanes (1 to 10000). */
  private int batchSize = 500;

  /**
   * Payload and header bytes claimed per round of a worker, which bounds the relay's memory; a
   * larger message goes alone (64KB to 1GB).
   */
  private DataSize batchBytes = DataSize.ofMegabytes(8);

  /**
   * Pause of a worker whose lanes had no full batch, and of the lease keeper between tries while
   * the database refuses the relay's writes (at least 100 ms) (1ms to 1m).
   */
  private Duration pollInterval = Duration.ofMillis(100);

  /**
   * Longest wait for Kafka's acks of a batch, which bounds how long row locks are held (1s to 5m).
   */
  private Duration sendTimeout = Duration.ofSeconds(15);

  /** Longest wait for a topic's metadata; a missing topic fails its rows after it (100ms to 1m). */
  private Duration maxBlock = Duration.ofSeconds(2);

  /** Attempts before a message that keeps failing becomes DEAD (1 to 1000000). */
  private int maxAttempts = 100;

  private final Backoff backoff = new Backoff();

  /** On Kafka's ack: mark-sent (keep the row until the retention) or delete. */
  private RelaySettings.OnAck onAck = RelaySettings.OnAck.MARK_SENT;

  /** Topic that DEAD messages are copied to, with an outbox-error header; none by default. */
  private String deadLetterTopic;

  /**
   * Lane lease duration, renewed every third of it; a dead instance's lanes move after it (1s to
   * 10m).
   */
  private Duration leaseDuration = Duration.ofSeconds(30);

  /** How long SENT and CANCELLED rows are kept before they are purged (1m to 3650d). */
  private Duration retention = Duration.ofDays(7);

  /** How long DEAD rows are kept, for an operator to look at and replay (1m to 3650d). */
  private Duration deadRetention = Duration.ofDays(30);

  private final Purge purge = new Purge();

  private final CheckBack checkBack = new CheckBack();

  /** How often the pending gauges are read (1s to 1h). */
  private Duration gaugeInterval = Duration.ofSeconds(10);

  /** On shutdown, how long in-flight batches may take before they are abandoned (0 to 10m). */
  private Duration shutdownTimeout = Duration.ofSeconds(20);

  /**
   * A worker busy in one round for longer, or stopped by an error, fails liveness so that the relay
   * is restarted (more than twice send-timeout, above the JDBC socket timeout; up to 1h).
   */
  private Duration stallTimeout = Duration.ofMinutes(2);

  /**
   * This instance's name in the lease table (locked_by); default host name, process id and a random
   * suffix.
   */
  private String instanceId;

  /**
   * The validated settings.
   *
   * @throws dev.outboxrelay.config.InvalidSettingException naming the first bad property
   */
  public RelaySettings toSettings() {
    return RelaySettings.builder()
        .kafkaBootstrapServers(kafka.bootstrapServers)
        .kafkaProperties(kafka.properties)
        .lanes(lanes)
        .workers(workers)
        .batchSize(batchSize)
        .batchBytes(batchBytes == null ? -1 : batchBytes.toBytes())
        .pollInterval(pollInterval)
        .sendTimeout(sendTimeout)
        .maxBlock(maxBlock)
        .maxAttempts(maxAttempts)
        .backoff(
            new RelaySettings.Backoff(
                backoff.initial, backoff.max, backoff.multiplier, backoff.jitter))
        .onAck(onAck)
        .deadLetterTopic(deadLetterTopic)
        .leaseDuration(leaseDuration)
        .retention(retention)
        .deadRetention(deadRetention)
        .purge(new RelaySettings.Purge(purge.interval, purge.batchSize))
        .gaugeInterval(gaugeInterval)
        .shutdownTimeout(shutdownTimeout)
        .stallTimeout(stallTimeout)
        .checkBack(checkBack.toSettings())
        .instanceId(instanceId)
        .build();
  }

  /** The Kafka cluster. */
  public static class Kafka {
    /** Bootstrap servers, host:port[,host:port...]; required. */
    private String bootstrapServers;

    /** Further producer properties (TLS, SASL, compression, ...), passed through as given. */
    private Map<String, String> properties = new LinkedHashMap<>();

    public String getBootstrapServers() {
      return bootstrapServers;
    }

    public void setBootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    public Map<String, String> getProperties() {
      return properties;
    }

    public void setProperties(Map<String, String> properties) {
      this.properties = properties;
    }
  }

  /**
   * The wait before another attempt of a failed message: initial x multiplier^(attempt-1), capped,
   * with jitter.
   */
  public static class Backoff {
    /** Wait after the first failure (1ms to 1h). */
    private Duration initial = Duration.ofSeconds(1);

    /** Longest wait (initial to 1d). */
    private Duration max = Duration.ofMinutes(5);

    /** Growth per attempt (1.0 to 10.0). */
    private double multiplier = 2.0;

    /** Fraction of the wait taken off at random, spreading retries (0.0 to 1.0). */
    private double jitter = 0.2;

    public Duration getInitial() {
      return initial;
    }

    public void setInitial(Duration initial) {
      this.initial = initial;
    }

    public Duration getMax() {
      return max;
    }

    public void setMax(Duration max) {
      this.max = max;
    }

    public double getMultiplier() {
      return multiplier;
    }

    public void setMultiplier(double multiplier) {
      this.multiplier = multiplier;
    }

    public double getJitter() {
      return jitter;
    }

    public void setJitter(double jitter) {
      this.jitter = jitter;
    }
  }

  /** Deleting old SENT, CANCELLED and DEAD rows (one instance at a time, under ShedLock). */
  public static class Purge {
    /** How often (1s to 1d). */
    private Duration interval = Duration.ofMinutes(1);

    /** Rows per DELETE statement (1 to 100000). */
    private int batchSize = 1000;

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }

    public int getBatchSize() {
      return batchSize;
    }

    public void setBatchSize(int batchSize) {
      this.batchSize = batchSize;
    }
  }

  /**
   * Message-store mode's check-back: deciding PREPARED messages whose service did not, from the
   * business database or the service's check-back endpoint.
   */
  public static class CheckBack {
    /** Where to check: none, database (check-back.datasource.*) or http (check-back.url). */
    private RelaySettings.CheckBack.Source source = RelaySettings.CheckBack.Source.NONE;

    /** The service's check-back endpoint, e.g. http://orders:8080/outbox/check-back. */
    private java.net.URI url;

    /** How old a PREPARED message must be before it is checked (1s to 1d). */
    private Duration after = Duration.ofSeconds(30);

    /**
     * The longest a business transaction takes from prepare to commit; a message not recorded by
     * then is cancelled (after to 7d).
     */
    private Duration transactionTimeout = Duration.ofMinutes(5);

    /** How often to check (1s to 1h). */
    private Duration interval = Duration.ofSeconds(10);

    /** Messages per question (1 to 1000). */
    private int batchSize = 200;

    /**
     * Longest wait for the endpoint's whole answer; with source database, for a connection and a
     * statement of the business database (100ms to 5m).
     */
    private Duration requestTimeout = Duration.ofSeconds(10);

    /** Longest pause after failed rounds, which double from the interval (interval to 1d). */
    private Duration maxBackoff = Duration.ofMinutes(5);

    private final CheckBackDataSource datasource = new CheckBackDataSource();

    RelaySettings.CheckBack toSettings() {
      return new RelaySettings.CheckBack(
          source, url, after, transactionTimeout, interval, batchSize, requestTimeout, maxBackoff);
    }

    public RelaySettings.CheckBack.Source getSource() {
      return source;
    }

    public void setSource(RelaySettings.CheckBack.Source source) {
      this.source = source;
    }

    public java.net.URI getUrl() {
      return url;
    }

    public void setUrl(java.net.URI url) {
      this.url = url;
    }

    public Duration getAfter() {
      return after;
    }

    public void setAfter(Duration after) {
      this.after = after;
    }

    public Duration getTransactionTimeout() {
      return transactionTimeout;
    }

    public void setTransactionTimeout(Duration transactionTimeout) {
      this.transactionTimeout = transactionTimeout;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }

    public int getBatchSize() {
      return batchSize;
    }

    public void setBatchSize(int batchSize) {
      this.batchSize = batchSize;
    }

    public Duration getRequestTimeout() {
      return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
    }

    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }

    public CheckBackDataSource getDatasource() {
      return datasource;
    }
  }

  /** The business database for check-back.source=database, opened read-only. */
  public static class CheckBackDataSource {
    /**
     * JDBC URL of the business database's primary, which holds t_msg_order: jdbc:mysql:// with one
     * server (a replica may not have seen a commit, and its message would be cancelled).
     */
    private String url;

    /**
     * User of the business database: SELECT on t_msg_order, and REPLICATION CLIENT (MySQL) or SLAVE
     * MONITOR (MariaDB) for the check-back to tell a primary from a replica and cancel.
     */
    private String username;

    /** Password of the business database. */
    private String password;

    public String getUrl() {
      return url;
    }

    public void setUrl(String url) {
      this.url = url;
    }

    public String getUsername() {
      return username;
    }

    public void setUsername(String username) {
      this.username = username;
    }

    public String getPassword() {
      return password;
    }

    public void setPassword(String password) {
      this.password = password;
    }
  }

  public CheckBack getCheckBack() {
    return checkBack;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Kafka getKafka() {
    return kafka;
  }

  public int getLanes() {
    return lanes;
  }

  public void setLanes(int lanes) {
    this.lanes = lanes;
  }

  public int getWorkers() {
    return workers;
  }

  public void setWorkers(int workers) {
    this.workers = workers;
  }

  public int getBatchSize() {
    return batchSize;
  }

  public void setBatchSize(int batchSize) {
    this.batchSize = batchSize;
  }

  public DataSize getBatchBytes() {
    return batchBytes;
  }

  public void setBatchBytes(DataSize batchBytes) {
    this.batchBytes = batchBytes;
  }

  public Duration getPollInterval() {
    return pollInterval;
  }

  public void setPollInterval(Duration pollInterval) {
    this.pollInterval = pollInterval;
  }

  public Duration getSendTimeout() {
    return sendTimeout;
  }

  public void setSendTimeout(Duration sendTimeout) {
    this.sendTimeout = sendTimeout;
  }

  public Duration getMaxBlock() {
    return maxBlock;
  }

  public void setMaxBlock(Duration maxBlock) {
    this.maxBlock = maxBlock;
  }

  public int getMaxAttempts() {
    return maxAttempts;
  }

  public void setMaxAttempts(int maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  public Backoff getBackoff() {
    return backoff;
  }

  public RelaySettings.OnAck getOnAck() {
    return onAck;
  }

  public void setOnAck(RelaySettings.OnAck onAck) {
    this.onAck = onAck;
  }

  public String getDeadLetterTopic() {
    return deadLetterTopic;
  }

  public void setDeadLetterTopic(String deadLetterTopic) {
    this.deadLetterTopic = deadLetterTopic;
  }

  public Duration getLeaseDuration() {
    return leaseDuration;
  }

  public void setLeaseDuration(Duration leaseDuration) {
    this.leaseDuration = leaseDuration;
  }

  public Duration getRetention() {
    return retention;
  }

  public void setRetention(Duration retention) {
    this.retention = retention;
  }

  public Duration getDeadRetention() {
    return deadRetention;
  }

  public void setDeadRetention(Duration deadRetention) {
    this.deadRetention = deadRetention;
  }

  public Purge getPurge() {
    return purge;
  }

  public Duration getGaugeInterval() {
    return gaugeInterval;
  }

  public void setGaugeInterval(Duration gaugeInterval) {
    this.gaugeInterval = gaugeInterval;
  }

  public Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  public Duration getStallTimeout() {
    return stallTimeout;
  }

  public void setStallTimeout(Duration stallTimeout) {
    this.stallTimeout = stallTimeout;
  }

  public String getInstanceId() {
    return instanceId;
  }

  public void setInstanceId(String instanceId) {
    this.instanceId = instanceId;
  }
}
