package dev.outboxrelay.relay.boot;

import dev.outboxrelay.relay.RelaySettings;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The relay's settings as Spring Boot binds them through the constructor ({@code outbox.relay.*},
 * also environment variables such as {@code OUTBOX_RELAY_BATCH_SIZE}), turned into the validated
 * {@link RelaySettings}, which holds the ranges and checks them. The {@code @param} texts and
 * {@code @DefaultValue}s are what the configuration processor writes into the IDE metadata, which
 * the docs/relay.md table is checked against; a test checks that the defaults equal {@link
 * RelaySettings#builder()}'s.
 *
 * @param enabled Run the relay in this application (the relay application sets it; libraries
 *     default off).
 * @param kafka The Kafka cluster.
 * @param lanes Lanes message keys are hashed to (1 to 1024); must equal the writers' outbox.lanes.
 * @param workers Worker threads of this instance (1 to 64).
 * @param batchSize Rows claimed and published per round of a worker, shared by its lanes (1 to
 *     10000).
 * @param batchBytes Payload and header bytes claimed per round of a worker, which bounds the
 *     relay's memory; a larger message goes alone (64KB to 1GB).
 * @param pollInterval Pause of a worker whose lanes had no full batch, and of the lease keeper
 *     between tries while the database refuses the relay's writes (at least 100 ms) (1ms to 1m).
 * @param sendTimeout Longest wait for Kafka's acks of a batch, which bounds how long row locks are
 *     held (1s to 5m).
 * @param maxBlock Longest wait for a topic's metadata; a missing topic fails its rows after it
 *     (100ms to 1m).
 * @param maxAttempts Attempts before a message that keeps failing becomes DEAD (1 to 1000000).
 * @param backoff The wait before another attempt of a failed message.
 * @param onAck On Kafka's ack: mark-sent (keep the row until the retention) or delete.
 * @param deadLetterTopic Topic that DEAD messages are copied to, with an outbox-error header; none
 *     by default.
 * @param leaseDuration Lane lease duration, renewed every third of it; a dead instance's lanes move
 *     after it (1s to 10m).
 * @param retention How long SENT and CANCELLED rows are kept before they are purged (1m to 3650d).
 * @param deadRetention How long DEAD rows are kept, for an operator to look at and replay (1m to
 *     3650d).
 * @param purge Deleting old SENT, CANCELLED and DEAD rows.
 * @param checkBack Message-store mode's check-back.
 * @param gaugeInterval How often the pending gauges are read (1s to 1h).
 * @param shutdownTimeout On shutdown, how long in-flight batches may take before they are abandoned
 *     (0 to 10m).
 * @param stallTimeout A worker busy in one round for longer, or stopped by an error, fails liveness
 *     so that the relay is restarted (more than twice send-timeout, above the JDBC socket timeout;
 *     up to 1h).
 * @param instanceId This instance's name in the lease table (locked_by); default host name, process
 *     id and a random suffix.
 */
@ConfigurationProperties("outbox.relay")
record OutboxRelayProperties(
    @DefaultValue("false") boolean enabled,
    @DefaultValue Kafka kafka,
    @DefaultValue("16") int lanes,
    @DefaultValue("2") int workers,
    @DefaultValue("500") int batchSize,
    @DefaultValue("8MB") @Nullable DataSize batchBytes,
    @DefaultValue("100ms") Duration pollInterval,
    @DefaultValue("15s") Duration sendTimeout,
    @DefaultValue("2s") Duration maxBlock,
    @DefaultValue("100") int maxAttempts,
    @DefaultValue Backoff backoff,
    @DefaultValue("mark-sent") RelaySettings.OnAck onAck,
    @Nullable String deadLetterTopic,
    @DefaultValue("30s") Duration leaseDuration,
    @DefaultValue("7d") Duration retention,
    @DefaultValue("30d") Duration deadRetention,
    @DefaultValue Purge purge,
    @DefaultValue CheckBack checkBack,
    @DefaultValue("10s") Duration gaugeInterval,
    @DefaultValue("20s") Duration shutdownTimeout,
    @DefaultValue("2m") Duration stallTimeout,
    @Nullable String instanceId) {

  /**
   * The validated settings.
   *
   * @throws dev.outboxrelay.config.InvalidSettingException naming the first bad property
   */
  public RelaySettings toSettings() {
    return RelaySettings.builder()
        .kafkaBootstrapServers(kafka.bootstrapServers())
        .kafkaProperties(kafka.properties())
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
                backoff.initial(), backoff.max(), backoff.multiplier(), backoff.jitter()))
        .onAck(onAck)
        .deadLetterTopic(deadLetterTopic)
        .leaseDuration(leaseDuration)
        .retention(retention)
        .deadRetention(deadRetention)
        .purge(new RelaySettings.Purge(purge.interval(), purge.batchSize()))
        .gaugeInterval(gaugeInterval)
        .shutdownTimeout(shutdownTimeout)
        .stallTimeout(stallTimeout)
        .checkBack(checkBack.toSettings())
        .instanceId(instanceId)
        .build();
  }

  /**
   * The Kafka cluster.
   *
   * @param bootstrapServers Bootstrap servers, host:port[,host:port...]; required.
   * @param properties Further producer properties (TLS, SASL, compression, ...), passed through as
   *     given.
   */
  public record Kafka(
      @Nullable String bootstrapServers, @DefaultValue Map<String, String> properties) {}

  /**
   * The wait before another attempt of a failed message: initial x multiplier^(attempt-1), capped,
   * with jitter.
   *
   * @param initial Wait after the first failure (1ms to 1h).
   * @param max Longest wait (initial to 1d).
   * @param multiplier Growth per attempt (1.0 to 10.0).
   * @param jitter Fraction of the wait taken off at random, spreading retries (0.0 to 1.0).
   */
  public record Backoff(
      @DefaultValue("1s") Duration initial,
      @DefaultValue("5m") Duration max,
      @DefaultValue("2.0") double multiplier,
      @DefaultValue("0.2") double jitter) {}

  /**
   * Deleting old SENT, CANCELLED and DEAD rows (one instance at a time, under ShedLock).
   *
   * @param interval How often (1s to 1d).
   * @param batchSize Rows per DELETE statement (1 to 100000).
   */
  public record Purge(@DefaultValue("1m") Duration interval, @DefaultValue("1000") int batchSize) {}

  /**
   * Message-store mode's check-back: deciding PREPARED messages whose service did not, from the
   * business database or the service's check-back endpoint.
   *
   * @param source Where to check: none, database (check-back.datasource.*) or http
   *     (check-back.url).
   * @param url The service's check-back endpoint, e.g. http://orders:8080/outbox/check-back.
   * @param after How old a PREPARED message must be before it is checked (1s to 1d).
   * @param transactionTimeout The longest a business transaction takes from prepare to commit; a
   *     message not recorded by then is cancelled (after to 7d).
   * @param interval How often to check (1s to 1h).
   * @param batchSize Messages per question (1 to 1000).
   * @param requestTimeout Longest wait for the endpoint's whole answer; with source database, for a
   *     connection and a statement of the business database (100ms to 5m).
   * @param maxBackoff Longest pause after failed rounds, which double from the interval (interval
   *     to 1d).
   * @param datasource The business database for check-back.source=database, opened read-only.
   */
  public record CheckBack(
      @DefaultValue("none") RelaySettings.CheckBack.Source source,
      @Nullable URI url,
      @DefaultValue("30s") Duration after,
      @DefaultValue("5m") Duration transactionTimeout,
      @DefaultValue("10s") Duration interval,
      @DefaultValue("200") int batchSize,
      @DefaultValue("10s") Duration requestTimeout,
      @DefaultValue("5m") Duration maxBackoff,
      @DefaultValue CheckBackDataSource datasource) {

    RelaySettings.CheckBack toSettings() {
      return new RelaySettings.CheckBack(
          source, url, after, transactionTimeout, interval, batchSize, requestTimeout, maxBackoff);
    }
  }

  /**
   * The business database for check-back.source=database, opened read-only.
   *
   * @param url JDBC URL of the business database's primary, which holds t_msg_order: jdbc:mysql://
   *     with one server (a replica may not have seen a commit, and its message would be cancelled).
   * @param username User of the business database: SELECT on t_msg_order, and REPLICATION CLIENT
   *     (MySQL) or SLAVE MONITOR (MariaDB) for the check-back to tell a primary from a replica and
   *     cancel.
   * @param password Password of the business database.
   */
  public record CheckBackDataSource(
      @Nullable String url, @Nullable String username, @Nullable String password) {

    /** The password masked: records print their components, and properties end up in logs. */
    @Override
    public String toString() {
      return "CheckBackDataSource[url="
          + url
          + ", username="
          + username
          + ", password="
          + (password == null ? null : "******")
          + "]";
    }
  }
}
