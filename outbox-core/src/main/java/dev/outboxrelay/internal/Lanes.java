package dev.outboxrelay.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * Maps a message key to its lane. All messages of one key share a lane, and a lane has one
 * publisher at a time, which is what keeps per-key order. The hash is Kafka's murmur2 of the UTF-8
 * key, so it is stable across JVMs, releases and languages.
 */
public final class Lanes {
  private Lanes() {}

  /** The lane of {@code key}; a message without a key has no order to keep and gets any lane. */
  public static int laneOf(@Nullable String key, int lanes) {
    if (key == null) {
      return ThreadLocalRandom.current().nextInt(lanes);
    }
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % lanes;
  }
}
