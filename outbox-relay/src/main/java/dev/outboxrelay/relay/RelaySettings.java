package dev.outboxrelay.relay;

import static dev.outboxrelay.config.SettingChecks.format;
import static dev.outboxrelay.config.SettingChecks.range;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.KafkaSettings;
import dev.outboxrelay.config.SettingChecks;
import dev.outboxrelay.internal.TopicNames;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The relay's configuration: immutable, validated when built, with its defaults here and only here
 * ({@link #builder()}). Each field is named by its property ({@code outbox.relay.*}, also an
 * environment variable such as {@code OUTBOX_RELAY_BATCH_SIZE}); a bad value throws {@link
 * InvalidSettingException}, one line naming the property and what is allowed, never clamped. {@link
 * #toString()} is the effective configuration as the relay logs it at start, producer credentials
 * masked.
 *
 * <p>Longer than the ~400 lines a class of the engine should have, on purpose: it is the one place
 * where each of the relay's settings has its type, range check (with the message that names the
 * property), default and documentation, and the {@link Builder} that Java code (tests, the bench,
 * applications without Spring Boot) starts from the defaults with. Split, one setting would be
 * spread over several files; the Spring Boot binding ({@code OutboxRelayProperties}) only names the
 * properties for the IDE metadata and hands them to the builder.
 *
 * @param kafka {@code outbox.relay.kafka.*}: the Kafka cluster; bootstrap servers required
 * @param lanes {@code outbox.relay.lanes}: lanes keys are hashed to, 1 to 1024, default 16; must
 *     equal the writers' {@code outbox.lanes}
 * @param workers {@code outbox.relay.workers}: worker threads of this instance, 1 to 64, default 2
 * @param batchSize {@code outbox.relay.batch-size}: rows claimed per round of a worker, shared by
 *     its lanes, 1 to 10,000, default 500
 * @param batchBytes {@code outbox.relay.batch-bytes}: payload and header bytes claimed per round of
 *     a worker, which bounds the relay's memory (docs/relay.md, "Memory"); a single larger message
 *     is published alone, 64 KiB to 1 GiB, default 8 MiB
 * @param pollInterval {@code outbox.relay.poll-interval}: pause of a worker whose lanes had no full
 *     batch, and of the lease keeper between tries while the database refuses the relay's writes
 *     (at least 100 ms), 1 ms to 1 min, default 100 ms
 * @param sendTimeout {@code outbox.relay.send-timeout}: longest wait for Kafka's acks of a round,
 *     which bounds how long row locks are held, 1 s to 5 min and shorter than the lease, default 15
 *     s
 * @param maxBlock {@code outbox.relay.max-block}: longest wait for a topic's metadata; a missing
 *     topic fails its rows after it, 100 ms to 1 min, default 2 s
 * @param maxAttempts {@code outbox.relay.max-attempts}: attempts before a message that keeps
 *     failing becomes DEAD, 1 to 1,000,000, default 100
 * @param backoff {@code outbox.relay.backoff.*}: the wait before another attempt
 * @param onAck {@code outbox.relay.on-ack}: what happens to an acknowledged row, default {@code
 *     mark-sent}
 * @param deadLetterTopic {@code outbox.relay.dead-letter-topic}: topic DEAD messages are copied to,
 *     with an {@code outbox-error} header; null (the default) for none
 * @param leaseDuration {@code outbox.relay.lease-duration}: lane lease, renewed every third of it;
 *     a dead instance's lanes move after it, 1 s to 10 min, default 30 s
 * @param retention {@code outbox.relay.retention}: how long SENT and CANCELLED rows are kept, 1 min
 *     to 3650 d, default 7 d
 * @param deadRetention {@code outbox.relay.dead-retention}: how long DEAD rows are kept, for an
 *     operator to look at and replay, 1 min to 3650 d, default 30 d
 * @param purge {@code outbox.relay.purge.*}: deleting rows older than their retention
 * @param gaugeInterval {@code outbox.relay.gauge-interval}: how often the pending gauges are read,
 *     1 s to 1 h, default 10 s
 * @param shutdownTimeout {@code outbox.relay.shutdown-timeout}: how long in-flight rounds may take
 *     on shutdown before they are abandoned, 0 to 10 min, default 20 s
 * @param stallTimeout {@code outbox.relay.stall-timeout}: a worker busy in one round for longer, or
 *     stopped by an error, makes the relay's liveness fail, so the orchestrator restarts it; more
 *     than twice the send-timeout and above the JDBC socket timeout, up to 1 h, default 2 min
 * @param checkBack {@code outbox.relay.check-back.*}: message-store mode's compensation job, which
 *     confirms or cancels the PREPARED messages that their service did not; none by default
 * @param instanceId {@code outbox.relay.instance-id}: this instance's name in the lease table, 1 to
 *     200 characters; default host name, process id and a random suffix
 */
public record RelaySettings(
    KafkaSettings kafka,
    int lanes,
    int workers,
    int batchSize,
    long batchBytes,
    Duration pollInterval,
    Duration sendTimeout,
    Duration maxBlock,
    int maxAttempts,
    Backoff backoff,
    OnAck onAck,
    @Nullable String deadLetterTopic,
    Duration leaseDuration,
    Duration retention,
    Duration deadRetention,
    Purge purge,
    Duration gaugeInterval,
    Duration shutdownTimeout,
    Duration stallTimeout,
    CheckBack checkBack,
    String instanceId) {

  /** What happens to a row once Kafka acknowledged it. */
  public enum OnAck {
    /** Keep it as SENT until housekeeping purges it after the retention. */
    MARK_SENT,
    /** Delete it at once. */
    DELETE
  }

  /**
   * @throws InvalidSettingException naming the first property that is out of range
   */
  public RelaySettings {
    if (kafka == null || kafka.bootstrapServers() == null) {
      throw new InvalidSettingException(
          "outbox.relay.kafka.bootstrap-servers", "must be set (host:port[,host:port...])");
    }
    range("outbox.relay.lanes", lanes, 1, 1024);
    range("outbox.relay.workers", workers, 1, 64);
    range("outbox.relay.batch-size", batchSize, 1, 10_000);
    SettingChecks.bytes("outbox.relay.batch-bytes", batchBytes, 64 * 1024L, 1024L * 1024 * 1024);
    range("outbox.relay.poll-interval", pollInterval, Duration.ofMillis(1), Duration.ofMinutes(1));
    range("outbox.relay.send-timeout", sendTimeout, Duration.ofSeconds(1), Duration.ofMinutes(5));
    range("outbox.relay.max-block", maxBlock, Duration.ofMillis(100), Duration.ofMinutes(1));
    if (maxBlock.multipliedBy(3).compareTo(sendTimeout.multipliedBy(2)) > 0) {
      throw new InvalidSettingException(
          "outbox.relay.max-block",
          "("
              + format(maxBlock)
              + ") must be at most two thirds of outbox.relay.send-timeout ("
              + format(sendTimeout)
              + "): a round's topic check and metadata wait have to fit in its send-timeout");
    }
    range("outbox.relay.max-attempts", maxAttempts, 1, 1_000_000);
    SettingChecks.required("outbox.relay.backoff", backoff, "initial, max, multiplier, jitter");
    SettingChecks.required("outbox.relay.on-ack", onAck, "mark-sent or delete");
    deadLetterTopic = SettingChecks.blankToNull(deadLetterTopic);
    String deadLetterTopicProblem =
        deadLetterTopic == null ? null : TopicNames.problem(deadLetterTopic);
    if (deadLetterTopicProblem != null) {
      throw new InvalidSettingException("outbox.relay.dead-letter-topic", deadLetterTopicProblem);
    }
    range(
        "outbox.relay.lease-duration",
        leaseDuration,
        Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    if (sendTimeout.compareTo(leaseDuration) >= 0) {
      throw new InvalidSettingException(
          "outbox.relay.send-timeout",
          "("
              + format(sendTimeout)
              + ") must be shorter than outbox.relay.lease-duration ("
              + format(leaseDuration)
              + "): a lane's round has to finish within its lease");
    }
    range("outbox.relay.retention", retention, Duration.ofMinutes(1), Duration.ofDays(3650));
    range(
        "outbox.relay.dead-retention", deadRetention, Duration.ofMinutes(1), Duration.ofDays(3650));
    SettingChecks.required("outbox.relay.purge", purge, "interval, batch-size");
    range("outbox.relay.gauge-interval", gaugeInterval, Duration.ofSeconds(1), Duration.ofHours(1));
    range("outbox.relay.shutdown-timeout", shutdownTimeout, Duration.ZERO, Duration.ofMinutes(10));
    range("outbox.relay.stall-timeout", stallTimeout, Duration.ofSeconds(1), Duration.ofHours(1));
    if (stallTimeout.compareTo(sendTimeout.multipliedBy(2)) <= 0) {
      throw new InvalidSettingException(
          "outbox.relay.stall-timeout",
          "("
              + format(stallTimeout)
              + ") must be more than twice outbox.relay.send-timeout ("
              + format(sendTimeout)
              + "): a round that waits for its acks is not stalled");
    }
    SettingChecks.required("outbox.relay.check-back", checkBack, "CheckBack.NONE for none");
    if (instanceId == null || instanceId.isBlank() || instanceId.length() > 200) {
      throw new InvalidSettingException(
          "outbox.relay.instance-id", "must be 1 to 200 characters, was '" + instanceId + "'");
    }
  }

  /** The effective configuration as properties ({@code outbox.relay.batch-size=500, ...}). */
  @Override
  public String toString() {
    return "RelaySettings[" + SettingChecks.describe("outbox.relay", this) + "]";
  }

  /** Settings starting from the defaults; only the Kafka bootstrap servers have none. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * {@code outbox.relay.backoff.*}: the wait before attempt n+1 of a failed message is {@code
   * initial * multiplier^(n-1)}, capped at {@code max}, less a random fraction up to {@code
   * jitter}.
   *
   * @param initial wait after the first failure, 1 ms to 1 h, default 1 s
   * @param max longest wait, {@code initial} to 1 d, default 5 min
   * @param multiplier growth per attempt, 1.0 to 10.0, default 2.0
   * @param jitter fraction of the wait taken off at random, spreading retries, 0.0 to 1.0, default
   *     0.2
   */
  public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {
    public static final Backoff DEFAULT =
        new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), 2.0, 0.2);

    /**
     * @throws InvalidSettingException naming the first property that is out of range
     */
    public Backoff {
      range("outbox.relay.backoff.initial", initial, Duration.ofMillis(1), Duration.ofHours(1));
      range("outbox.relay.backoff.max", max, Duration.ofMillis(1), Duration.ofDays(1));
      if (max.compareTo(initial) < 0) {
        throw new InvalidSettingException(
            "outbox.relay.backoff.max",
            "("
                + format(max)
                + ") must not be below outbox.relay.backoff.initial ("
                + format(initial)
                + "): raise the longest wait or lower the first");
      }
      range("outbox.relay.backoff.multiplier", multiplier, 1.0, 10.0);
      range("outbox.relay.backoff.jitter", jitter, 0.0, 1.0);
    }

    /**
     * The wait after failed attempt {@code attempt}.
     *
     * @param attempt 1 for the first failure; values below 1 count as 1
     * @param random a number in [0, 1): the share of {@code jitter} taken off
     * @return at least 1 ms, at most {@code max}
     */
    public Duration delay(int attempt, double random) {
      double exponential = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
      double capped = Math.min((double) max.toMillis(), exponential);
      return Duration.ofMillis(Math.max(1, Math.round(capped * (1.0 - jitter * random))));
    }
  }

  /**
   * {@code outbox.relay.purge.*}: deleting SENT and CANCELLED rows older than the retention, one
   * instance at a time (under ShedLock).
   *
   * @param interval how often, 1 s to 1 d, default 1 min
   * @param batchSize rows per DELETE statement, 1 to 100,000, default 1000
   */
  public record Purge(Duration interval, int batchSize) {
    public static final Purge DEFAULT = new Purge(Duration.ofMinutes(1), 1000);

    /**
     * @throws InvalidSettingException naming the first property that is out of range
     */
    public Purge {
      range("outbox.relay.purge.interval", interval, Duration.ofSeconds(1), Duration.ofDays(1));
      range("outbox.relay.purge.batch-size", batchSize, 1, 100_000);
    }
  }

  /**
   * {@code outbox.relay.check-back.*}: message-store mode's compensation job. PREPARED messages
   * older than {@code after} are checked against the business side, one relay instance at a time
   * (under ShedLock): a committed transaction recorded the message's business message id in {@code
   * t_msg_order} → confirmed (PENDING, then published); not recorded and older than {@code
   * transactionTimeout} → cancelled; no answer → asked again after a backoff.
   *
   * @param source {@code outbox.relay.check-back.source}: none (the default), database (a read-only
   *     connection to the business database) or http (the service's check-back endpoint)
   * @param url {@code outbox.relay.check-back.url}: the endpoint, http or https; required with
   *     source http
   * @param after {@code outbox.relay.check-back.after}: how old a PREPARED message must be before
   *     it is checked, leaving the service time to decide it, 1 s to 1 d, default 30 s
   * @param transactionTimeout {@code outbox.relay.check-back.transaction-timeout}: the longest a
   *     business transaction may take from prepare to commit; a message not recorded by then is
   *     cancelled. It must exceed every business transaction, else a slow one that commits later
   *     loses its message. At least {@code after}, up to 7 d, default 5 min
   * @param interval {@code outbox.relay.check-back.interval}: how often, 1 s to 1 h, default 10 s
   * @param batchSize {@code outbox.relay.check-back.batch-size}: messages per question, 1 to 1000,
   *     default 200
   * @param requestTimeout {@code outbox.relay.check-back.request-timeout}: longest wait for the
   *     endpoint's whole answer (and, with source database, for a connection and a statement of the
   *     business database), 100 ms to 5 min, default 10 s
   * @param maxBackoff {@code outbox.relay.check-back.max-backoff}: longest pause after failed
   *     rounds, which double from {@code interval}; {@code interval} to 1 d, default 5 min
   */
  public record CheckBack(
      Source source,
      java.net.@Nullable URI url,
      Duration after,
      Duration transactionTimeout,
      Duration interval,
      int batchSize,
      Duration requestTimeout,
      Duration maxBackoff) {

    /** No check-back: for same-database mode, where nothing is ever PREPARED. */
    public static final CheckBack NONE =
        new CheckBack(
            Source.NONE,
            null,
            Duration.ofSeconds(30),
            Duration.ofMinutes(5),
            Duration.ofSeconds(10),
            200,
            Duration.ofSeconds(10),
            Duration.ofMinutes(5));

    /** Where the check-back asks whether a business transaction committed. */
    public enum Source {
      /** Nowhere: PREPARED messages wait for their service. */
      NONE,
      /** The business database's {@code t_msg_order}, read-only. */
      DATABASE,
      /**
       * The business service's check-back endpoint over HTTP (docs/message-store.md, "The
       * check-back").
       */
      HTTP
    }

    /**
     * @throws InvalidSettingException naming the first property that is out of range
     */
    public CheckBack {
      SettingChecks.required("outbox.relay.check-back.source", source, "none, database or http");
      if (source == Source.HTTP) {
        if (url == null) {
          throw new InvalidSettingException(
              "outbox.relay.check-back.url",
              "must be set with outbox.relay.check-back.source=http, e.g."
                  + " http://orders:8080/outbox/check-back");
        }
        if ((!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()))
            || url.getHost() == null) {
          throw new InvalidSettingException(
              "outbox.relay.check-back.url",
              "must be an http or https URL with a host, e.g. http://orders:8080/outbox/check-back");
        }
        if (url.getRawUserInfo() != null || url.getRawQuery() != null) {
          throw new InvalidSettingException(
              "outbox.relay.check-back.url",
              "must carry neither credentials (user:password@) nor a query (?...): the relay logs"
                  + " its settings and the URL");
        }
      }
      range("outbox.relay.check-back.after", after, Duration.ofSeconds(1), Duration.ofDays(1));
      range(
          "outbox.relay.check-back.transaction-timeout",
          transactionTimeout,
          Duration.ofSeconds(1),
          Duration.ofDays(7));
      if (transactionTimeout.compareTo(after) < 0) {
        throw new InvalidSettingException(
            "outbox.relay.check-back.transaction-timeout",
            "("
                + format(transactionTimeout)
                + ") must not be below outbox.relay.check-back.after ("
                + format(after)
                + ")");
      }
      range(
          "outbox.relay.check-back.interval", interval, Duration.ofSeconds(1), Duration.ofHours(1));
      range("outbox.relay.check-back.batch-size", batchSize, 1, 1000);
      range(
          "outbox.relay.check-back.request-timeout",
          requestTimeout,
          Duration.ofMillis(100),
          Duration.ofMinutes(5));
      range("outbox.relay.check-back.max-backoff", maxBackoff, interval, Duration.ofDays(1));
    }
  }

  /**
   * Kafka's bootstrap servers, {@code host:port[,host:port...]}: never null, as the constructor
   * refuses settings without them.
   */
  public String bootstrapServers() {
    return Objects.requireNonNull(kafka.bootstrapServers());
  }

  /** The default instance id: host name, process id and a random suffix, at most 200 characters. */
  public static String defaultInstanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "unknown-host";
    }
    String pid = Long.toString(ProcessHandle.current().pid());
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String id = host + "-" + pid + "-" + suffix;
    return id.length() <= 200 ? id : id.substring(id.length() - 200);
  }

  /**
   * Builds {@link RelaySettings}, starting from the defaults; {@link #build()} validates. Each
   * setter sets the component of the same name (flattened for nested parts: {@code fastPathThreads}
   * is {@code fastPath().threads()}); units, ranges and defaults are given there.
   */
  public static final class Builder {
    private @Nullable String kafkaBootstrapServers;
    private Map<String, String> kafkaProperties = Map.of();
    private int lanes = 16;
    private int workers = 2;
    private int batchSize = 500;
    private long batchBytes = 8L * 1024 * 1024;
    private Duration pollInterval = Duration.ofMillis(100);
    private Duration sendTimeout = Duration.ofSeconds(15);
    private Duration maxBlock = Duration.ofSeconds(2);
    private int maxAttempts = 100;
    private Backoff backoff = Backoff.DEFAULT;
    private OnAck onAck = OnAck.MARK_SENT;
    private @Nullable String deadLetterTopic;
    private Duration leaseDuration = Duration.ofSeconds(30);
    private Duration retention = Duration.ofDays(7);
    private Duration deadRetention = Duration.ofDays(30);
    private Purge purge = Purge.DEFAULT;
    private Duration gaugeInterval = Duration.ofSeconds(10);
    private Duration shutdownTimeout = Duration.ofSeconds(20);
    private Duration stallTimeout = Duration.ofMinutes(2);
    private CheckBack checkBack = CheckBack.NONE;
    private @Nullable String instanceId;

    private Builder() {}

    private Builder(RelaySettings settings) {
      kafkaBootstrapServers = settings.kafka.bootstrapServers();
      kafkaProperties = settings.kafka.properties();
      lanes = settings.lanes;
      workers = settings.workers;
      batchSize = settings.batchSize;
      batchBytes = settings.batchBytes;
      pollInterval = settings.pollInterval;
      sendTimeout = settings.sendTimeout;
      maxBlock = settings.maxBlock;
      maxAttempts = settings.maxAttempts;
      backoff = settings.backoff;
      onAck = settings.onAck;
      deadLetterTopic = settings.deadLetterTopic;
      leaseDuration = settings.leaseDuration;
      retention = settings.retention;
      deadRetention = settings.deadRetention;
      purge = settings.purge;
      gaugeInterval = settings.gaugeInterval;
      shutdownTimeout = settings.shutdownTimeout;
      stallTimeout = settings.stallTimeout;
      checkBack = settings.checkBack;
      instanceId = settings.instanceId;
    }

    public Builder kafkaBootstrapServers(@Nullable String bootstrapServers) {
      this.kafkaBootstrapServers = bootstrapServers;
      return this;
    }

    /** Further producer properties; null for none. */
    public Builder kafkaProperties(@Nullable Map<String, String> properties) {
      this.kafkaProperties = SettingChecks.noNulls("outbox.relay.kafka.properties", properties);
      return this;
    }

    public Builder lanes(int lanes) {
      this.lanes = lanes;
      return this;
    }

    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder batchBytes(long batchBytes) {
      this.batchBytes = batchBytes;
      return this;
    }

    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    public Builder sendTimeout(Duration sendTimeout) {
      this.sendTimeout = sendTimeout;
      return this;
    }

    public Builder maxBlock(Duration maxBlock) {
      this.maxBlock = maxBlock;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder backoff(Backoff backoff) {
      this.backoff = backoff;
      return this;
    }

    public Builder onAck(OnAck onAck) {
      this.onAck = onAck;
      return this;
    }

    public Builder deadLetterTopic(@Nullable String deadLetterTopic) {
      this.deadLetterTopic = deadLetterTopic;
      return this;
    }

    public Builder leaseDuration(Duration leaseDuration) {
      this.leaseDuration = leaseDuration;
      return this;
    }

    public Builder retention(Duration retention) {
      this.retention = retention;
      return this;
    }

    public Builder deadRetention(Duration deadRetention) {
      this.deadRetention = deadRetention;
      return this;
    }

    public Builder purge(Purge purge) {
      this.purge = purge;
      return this;
    }

    public Builder gaugeInterval(Duration gaugeInterval) {
      this.gaugeInterval = gaugeInterval;
      return this;
    }

    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
      return this;
    }

    public Builder stallTimeout(Duration stallTimeout) {
      this.stallTimeout = stallTimeout;
      return this;
    }

    public Builder checkBack(CheckBack checkBack) {
      this.checkBack = checkBack;
      return this;
    }

    /** Null or blank (the default) for {@link RelaySettings#defaultInstanceId()}. */
    public Builder instanceId(@Nullable String instanceId) {
      this.instanceId = instanceId;
      return this;
    }

    /**
     * @throws InvalidSettingException naming the first property that is out of range
     */
    public RelaySettings build() {
      return new RelaySettings(
          new KafkaSettings(kafkaBootstrapServers, kafkaProperties),
          lanes,
          workers,
          batchSize,
          batchBytes,
          pollInterval,
          sendTimeout,
          maxBlock,
          maxAttempts,
          backoff,
          onAck,
          deadLetterTopic,
          leaseDuration,
          retention,
          deadRetention,
          purge,
          gaugeInterval,
          shutdownTimeout,
          stallTimeout,
          checkBack,
          Objects.requireNonNullElseGet(
              SettingChecks.blankToNull(instanceId), RelaySettings::defaultInstanceId));
    }
  }
}
