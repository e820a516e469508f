package dev.outboxrelay.boot;

import dev.outboxrelay.OutboxSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code outbox.*} properties, bound by Spring Boot and turned into the validated {@link
 * OutboxSettings}; see there for the ranges.
 */
@ConfigurationProperties("outbox")
public class OutboxProperties {
  /** Whether to configure the outbox at all. */
  private boolean enabled = true;

  /**
   * Where messages are written: same-database (t_msg in the business database, in the business
   * transaction) or message-store (t_msg in a message database of its own: prepare, then confirm or
   * cancel after the business transaction).
   */
  private OutboxSettings.Mode mode = OutboxSettings.Mode.SAME_DATABASE;

  /** The topic of MsgSender.send(msg, refType, refId). */
  private String defaultTopic;

  /** The largest payload send accepts, in bytes (1 to 16777215). */
  private int maxPayloadBytes = 1024 * 1024;

  /** How many lanes message keys are hashed to (1 to 1024); the relay must use the same. */
  private int lanes = 16;

  /**
   * The order of one key's messages: commit (send locks the key until the transaction ends, so
   * overlapping transactions of a key take turns) or insert (no lock: the order of the send calls).
   */
  private OutboxSettings.KeyOrder keyOrder = OutboxSettings.KeyOrder.COMMIT;

  private final Kafka kafka = new Kafka();
  private final FastPath fastPath = new FastPath();
  private final MessageStore messageStore = new MessageStore();
  private final CheckBackEndpoint checkBackEndpoint = new CheckBackEndpoint();

  OutboxSettings toSettings() {
    return OutboxSettings.builder()
        .mode(mode)
        .defaultTopic(defaultTopic)
        .maxPayloadBytes(maxPayloadBytes)
        .lanes(lanes)
        .keyOrder(keyOrder)
        .kafkaBootstrapServers(kafka.bootstrapServers)
        .kafkaProperties(kafka.properties)
        .fastPathEnabled(fastPath.enabled)
        .fastPathThreads(fastPath.threads)
        .fastPathQueueCapacity(fastPath.queueCapacity)
        .fastPathAckTimeout(fastPath.ackTimeout)
        .fastPathRelayDelay(fastPath.relayDelay)
        .build();
  }

  public OutboxSettings.Mode getMode() {
    return mode;
  }

  public void setMode(OutboxSettings.Mode mode) {
    this.mode = mode;
  }

  public MessageStore getMessageStore() {
    return messageStore;
  }

  public CheckBackEndpoint getCheckBackEndpoint() {
    return checkBackEndpoint;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getDefaultTopic() {
    return defaultTopic;
  }

  public void setDefaultTopic(String defaultTopic) {
    this.defaultTopic = defaultTopic;
  }

  public int getMaxPayloadBytes() {
    return maxPayloadBytes;
  }

  public void setMaxPayloadBytes(int maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  public int getLanes() {
    return lanes;
  }

  public void setLanes(int lanes) {
    this.lanes = lanes;
  }

  public OutboxSettings.KeyOrder getKeyOrder() {
    return keyOrder;
  }

  public void setKeyOrder(OutboxSettings.KeyOrder keyOrder) {
    this.keyOrder = keyOrder;
  }

  public Kafka getKafka() {
    return kafka;
  }

  public FastPath getFastPath() {
    return fastPath;
  }

  /** The Kafka cluster of the fast path. */
  public static class Kafka {
    /** Bootstrap servers; without them the fast path is off and the relay delivers. */
    private String bootstrapServers;

    /** Further producer properties (TLS, SASL, ...), passed through as given. */
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

  /** Publishing right after commit. */
  public static class FastPath {
    /** Whether to publish right after commit (needs outbox.kafka.bootstrap-servers). */
    private boolean enabled = true;

    /** Publishing threads (1 to 64). */
    private int threads = 2;

    /** Committed transactions waiting for the fast path (1 to 1000000); beyond, the relay. */
    private int queueCapacity = 10_000;

    /** How long to wait for Kafka's acks while holding the row locks (100ms to 5m). */
    private Duration ackTimeout = Duration.ofSeconds(10);

    /** How long the relay leaves a new message to the fast path before publishing it (0 to 1m). */
    private Duration relayDelay = Duration.ofSeconds(1);

    public Duration getRelayDelay() {
      return relayDelay;
    }

    public void setRelayDelay(Duration relayDelay) {
      this.relayDelay = relayDelay;
    }

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public int getThreads() {
      return threads;
    }

    public void setThreads(int threads) {
      this.threads = threads;
    }

    public int getQueueCapacity() {
      return queueCapacity;
    }

    public void setQueueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
    }

    public Duration getAckTimeout() {
      return ackTimeout;
    }

    public void setAckTimeout(Duration ackTimeout) {
      this.ackTimeout = ackTimeout;
    }
  }

  /** Message-store mode: the message database, which holds t_msg. */
  public static class MessageStore {
    private final DataSourceProperties datasource = new DataSourceProperties();

    public DataSourceProperties getDatasource() {
      return datasource;
    }
  }

  /**
   * The message database's connection (message-store mode), used unless the application declares a
   * DataSource bean named outboxMessageDataSource.
   */
  public static class DataSourceProperties {
    /** JDBC URL of the message database, e.g. jdbc:mysql://messages:3306/outbox. */
    private String url;

    /** User of the message database. */
    private String username;

    /** Password of the message database. */
    private String password;

    /** Connections of the message database's pool (1 to 1000). */
    private int maximumPoolSize = 10;

    /**
     * Longest wait for a connection of the message database (pool and network connect): with the
     * database away the business call fails after it (250ms to 5m).
     */
    private Duration connectionTimeout = Duration.ofSeconds(5);

    /**
     * Longest wait for the message database's answer to a statement: with the database hung, the
     * business call fails after it (100ms to 5m).
     */
    private Duration socketTimeout = Duration.ofSeconds(10);

    public Duration getConnectionTimeout() {
      return connectionTimeout;
    }

    public void setConnectionTimeout(Duration connectionTimeout) {
      this.connectionTimeout = connectionTimeout;
    }

    public Duration getSocketTimeout() {
      return socketTimeout;
    }

    public void setSocketTimeout(Duration socketTimeout) {
      this.socketTimeout = socketTimeout;
    }

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

    public int getMaximumPoolSize() {
      return maximumPoolSize;
    }

    public void setMaximumPoolSize(int maximumPoolSize) {
      this.maximumPoolSize = maximumPoolSize;
    }
  }

  /**
   * The check-back endpoint (message-store mode): answers the relay's question which business
   * message ids a committed transaction recorded, from t_msg_order.
   */
  public static class CheckBackEndpoint {
    /** Whether to serve the check-back endpoint (needs Spring MVC). */
    private boolean enabled;

    /** The endpoint's path; the relay's outbox.relay.check-back.url points at it. */
    private String path = "/outbox/check-back";

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }
  }
}
