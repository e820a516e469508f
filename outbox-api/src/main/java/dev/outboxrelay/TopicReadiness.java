package dev.outboxrelay;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.Producer;

/**
 * The topics the fast path's producer has metadata for, learnt outside any transaction. A round
 * publishes only rows of such topics, so no send under its row locks — on a connection of the
 * service's pool — waits for metadata: up to {@code max.block.ms} for a topic that is missing
 * (brokers that do not create topics), not authorized, or when Kafka is unreachable.
 *
 * <p>A topic is taken as ready for {@value #READY_SECONDS} s after its check, well within the
 * producer's {@code metadata.max.idle.ms} (5 min by default), so its metadata is still held when
 * the round sends. A topic whose check failed is not asked again for {@value #UNUSABLE_SECONDS} s:
 * its rows go to the relay meanwhile, and a missing topic costs a fast path thread one metadata
 * wait per period, not one per round.
 */
final class TopicReadiness {
  private static final int READY_SECONDS = 60;
  private static final int UNUSABLE_SECONDS = 10;
  private static final long READY_NANOS = Duration.ofSeconds(READY_SECONDS).toNanos();
  private static final long UNUSABLE_NANOS = Duration.ofSeconds(UNUSABLE_SECONDS).toNanos();

  private final Producer<?, ?> producer;
  private final Map<String, Long> readyUntil = new ConcurrentHashMap<>();
  private final Map<String, Unusable> unusable = new ConcurrentHashMap<>();

  private record Unusable(Exception error, long until) {}

  TopicReadiness(Producer<?, ?> producer) {
    this.producer = producer;
  }

  /** Whether a round may send to {@code topic} now: checked lately and found usable. */
  boolean ready(String topic) {
    Long until = readyUntil.get(topic);
    return until != null && until - System.nanoTime() > 0;
  }

  /**
   * Asks the producer for the metadata of each of {@code topics} not found unusable lately, each
   * waiting at most its {@code max.block.ms}; call it holding no connection. A topic the producer
   * already knows answers at once; with brokers that create topics, asking creates a missing one,
   * as the first send would.
   *
   * @return the topics that cannot take records now, with why; the others are ready
   */
  Map<String, Exception> check(Set<String> topics) {
    Map<String, Exception> failed = new HashMap<>();
    for (String topic : topics) {
      Unusable known = unusable.get(topic);
      if (known != null && known.until - System.nanoTime() > 0) {
        failed.put(topic, known.error);
        continue;
      }
      try {
        producer.partitionsFor(topic);
        unusable.remove(topic);
        readyUntil.put(topic, System.nanoTime() + READY_NANOS);
      } catch (RuntimeException e) { // no metadata in time, unknown or invalid topic, no rights
        readyUntil.remove(topic);
        unusable.put(topic, new Unusable(e, System.nanoTime() + UNUSABLE_NANOS));
        failed.put(topic, e);
      }
    }
    return failed;
  }
}
