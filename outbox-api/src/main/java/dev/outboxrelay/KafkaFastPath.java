package dev.outboxrelay;

import dev.outboxrelay.internal.BatchPublisher;
import dev.outboxrelay.internal.OrderingGuard;
import dev.outboxrelay.internal.OutboxStore;
import dev.outboxrelay.internal.ProducerSettings;
import dev.outboxrelay.internal.PublishListener;
import dev.outboxrelay.internal.PublishPath;
import dev.outboxrelay.internal.PublishRound;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * After commit, publishes the transaction's rows in one {@link PublishRound}: claims those never
 * attempted ({@code FOR UPDATE SKIP LOCKED}), publishes those the ordering guard releases (by key),
 * and marks the acknowledged ones SENT in the same short transaction. It runs on a small bounded
 * executor, so the business thread never waits on Kafka; when the queue is full, Kafka is down or
 * the database is busy it gives up, and the rows stay PENDING for the relay.
 */
final class KafkaFastPath implements FastPath {
  private static final Logger log = LoggerFactory.getLogger(KafkaFastPath.class);
  private static final int MAX_BATCH = 500;
  private static final int DEFAULT_MAX_BLOCK_MS = 2_000;

  private final OutboxStore store;
  private final PublishRound round;
  private final PublishListener listener;
  private final Producer<byte[], byte[]> producer;
  private final BlockingQueue<List<Long>> queue;
  private final List<Thread> threads;
  private volatile boolean closed;
  private final Duration ackTimeout;
  private final OutageLog outages = new OutageLog(log);

  KafkaFastPath(
      DataSource dataSource,
      PlatformTransactionManager transactionManager,
      Producer<byte[], byte[]> producer,
      OutboxSettings settings,
      PublishListener listener) {
    this.store = new OutboxStore(dataSource);
    TransactionTemplate transaction = new TransactionTemplate(transactionManager);
    // READ COMMITTED: no gap locks, so business INSERTs never wait for the fast path's commit.
    transaction.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
    transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    this.producer = producer;
    this.listener = listener;
    this.ackTimeout = settings.fastPath().ackTimeout();
    // Failures are not recorded: the rows stay PENDING, untouched, and the relay publishes them.
    this.round =
        new PublishRound(
            PublishPath.FAST_PATH,
            transaction,
            OrderingGuard.byKey(store),
            new BatchPublisher(producer, ackTimeout, maxBlock(settings)),
            store::claimFresh,
            outcome -> {
              store.markSent(outcome.ackedIds());
              return List.of();
            },
            listener);
    this.queue = new ArrayBlockingQueue<>(settings.fastPath().queueCapacity());
    this.threads = new ArrayList<>();
    for (int i = 1; i <= settings.fastPath().threads(); i++) {
      Thread thread = new Thread(this::work, "outbox-fast-path-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /** The fast path producer's {@code max.block.ms}: 2 s unless the user set it. */
  private static Duration maxBlock(OutboxSettings settings) {
    return Duration.ofMillis(
        ProducerSettings.intProperty(
            "outbox.kafka.properties",
            settings.kafka().properties(),
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            DEFAULT_MAX_BLOCK_MS));
  }

  /**
   * The fast path's producer: idempotent, acks from all replicas, bounded waits.
   *
   * @throws dev.outboxrelay.config.InvalidSettingException if Kafka refuses {@code outbox.kafka.*}
   */
  static Producer<byte[], byte[]> createProducer(OutboxSettings settings) {
    Map<String, Object> config = new HashMap<>();
    // Defaults the user may override: keep waits short, the relay covers for a slow Kafka.
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, DEFAULT_MAX_BLOCK_MS);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    config.put(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        (int) Math.max(6_000, settings.fastPath().ackTimeout().toMillis()));
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "outbox-fast-path");
    config.putAll(settings.kafka().properties());
    String bootstrapServers =
        java.util.Objects.requireNonNull(settings.kafka().bootstrapServers(), "fast path is off");
    return ProducerSettings.createProducer(
        "outbox.kafka", ProducerSettings.enforce(config, bootstrapServers));
  }

  @Override
  public void publishAfterCommit(List<Long> ids) {
    if (ids.isEmpty()) {
      return;
    }
    if (closed || !queue.offer(ids)) {
      outages.warn(
          "fast path queue is full or closed: " + ids.size() + " message(s) left to the relay");
    }
  }

  /**
   * A publishing thread: takes the next committed transaction and up to {@value #MAX_BATCH} more
   * already waiting, and publishes them in one claim: under load the fast path batches, so it keeps
   * up instead of falling one round trip per transaction behind.
   */
  private void work() {
    List<List<Long>> transactions = new ArrayList<>();
    while (!closed) {
      List<Long> next;
      try {
        next = queue.poll(100, TimeUnit.MILLISECONDS); // a bounded wait, to notice close()
      } catch (InterruptedException e) {
        return;
      }
      if (next == null) {
        continue;
      }
      transactions.add(next);
      queue.drainTo(transactions, MAX_BATCH);
      List<Long> ids = new ArrayList<>();
      for (List<Long> transaction : transactions) {
        ids.addAll(transaction);
      }
      transactions.clear();
      publish(ids);
    }
  }

  private void publish(List<Long> ids) {
    try {
      PublishRound.Result result = round.run(() -> store.claimFresh(ids), true);
      List<BatchPublisher.Failure> failed = result.outcome().failed();
      if (!failed.isEmpty()) {
        outages.warn(
            "fast path: "
                + failed.size()
                + " message(s) not acknowledged, left to the relay (first: id="
                + failed.get(0).row().id()
                + ", "
                + failed.get(0).error()
                + ")");
      }
    } catch (RuntimeException e) {
      listener.roundFailed(PublishPath.FAST_PATH, e);
      outages.warn("fast path failed, " + ids.size() + " message(s) left to the relay: " + e);
    }
  }

  @Override
  public void close() {
    closed = true;
    // An in-flight batch finishes within the ack timeout; what is still queued is the relay's.
    try {
      for (Thread thread : threads) {
        thread.join(ackTimeout.toMillis() + 1_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
