package dev.outboxrelay.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Global message ids: the {@code outbox-id} Kafka header consumers dedupe on, stored in {@code
 * t_msg.msg_id} (schema V4). {@code t_msg.id} is an AUTO_INCREMENT, unique in one database only.
 */
public final class MessageIds {
  // SecureRandom as UUID.randomUUID uses: seeded by the OS, so two JVMs started at the same
  // moment do not draw the same bits (ThreadLocalRandom's seed is derived from the clock).
  private static final SecureRandom RANDOM = new SecureRandom();

  private MessageIds() {}

  /**
   * A new UUIDv7 (RFC 9562, section 5.7): 48 bits of Unix time in milliseconds, then 74 random
   * bits. Time-ordered, so that consumers' inbox indexes grow at one end; unique across services,
   * databases and restores, as long as the random bits do not repeat (2^74 per millisecond).
   *
   * @return the canonical 36-character lower-case form, e.g. {@code
   *     0193a5f2-7c41-7d3e-9b1a-2f4c6d8e0a1b}
   */
  public static String next() {
    return next(System.currentTimeMillis());
  }

  static String next(long unixMillis) {
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    long high = (unixMillis & 0xFFFF_FFFF_FFFFL) << 16; // unix_ts_ms: 48 bits
    high |= 0x7000L; // version 7
    high |= ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL); // rand_a: 12 bits
    long low = 0x8000_0000_0000_0000L; // variant 10
    low |= (random[2] & 0x3FL) << 56; // rand_b: 62 bits
    for (int i = 3; i < 10; i++) {
      low |= (random[i] & 0xFFL) << (8 * (9 - i));
    }
    return new UUID(high, low).toString();
  }

  /**
   * The id of a row written before schema V4 (its {@code msg_id} is NULL): a name-based UUID
   * (version 3, {@link UUID#nameUUIDFromBytes}) of the row's own immutable columns, so that every
   * publication of the row carries the same id, and two rows of different databases differ unless
   * they share id, creation millisecond, reference, topic and key.
   */
  public static String legacy(
      long id, Instant createdAt, int refType, String refId, String topic, @Nullable String key) {
    String name =
        "outbox-row\n"
            + id
            + '\n'
            + createdAt.toEpochMilli()
            + '\n'
            + refType
            + '\n'
            + refId
            + '\n'
            + topic
            + '\n'
            + (key == null ? "" : "k" + key);
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** The milliseconds of Unix time a UUIDv7 carries. */
  static long unixMillis(String uuidV7) {
    return UUID.fromString(uuidV7).getMostSignificantBits() >>> 16;
  }
}
