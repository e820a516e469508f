package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Global message ids (RFC 9562 UUIDv7, and the legacy rows' name-based ids); no servers. */
class MessageIdsTests {

  @Test
  void aNewIdIsAVersion7UuidCarryingTheTimeInMilliseconds() {
    long millis = Instant.parse("2026-12-07T01:02:03.456Z").toEpochMilli();

    String id = MessageIds.next(millis);

    UUID uuid = UUID.fromString(id);
    assertThat(id).hasSize(36).isLowerCase().isEqualTo(uuid.toString());
    assertThat(uuid.version()).isEqualTo(7);
    assertThat(uuid.variant()).isEqualTo(2); // RFC 9562's variant, bits 10
    assertThat(MessageIds.unixMillis(id)).isEqualTo(millis);
  }

  @Test
  void idsOfOneMillisecondDifferAndLaterMillisecondsSortAfter() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(MessageIds.next(1_000L));
    }
    assertThat(ids).hasSize(100_000);
    assertThat(MessageIds.next(1_001L)).isGreaterThan(MessageIds.next(1_000L));
  }

  @Test
  void aLegacyRowsIdIsStableAndDiffersWithEachOfItsColumns() {
    Instant created = Instant.parse("2026-12-01T00:00:00.123Z");
    String id = MessageIds.legacy(42, created, 1, "order-7", "orders", "c1");

    assertThat(MessageIds.legacy(42, created, 1, "order-7", "orders", "c1")).isEqualTo(id);
    assertThat(UUID.fromString(id).version()).isEqualTo(3);
    assertThat(
            Set.of(
                id,
                MessageIds.legacy(43, created, 1, "order-7", "orders", "c1"),
                MessageIds.legacy(42, created.plusMillis(1), 1, "order-7", "orders", "c1"),
                MessageIds.legacy(42, created, 2, "order-7", "orders", "c1"),
                MessageIds.legacy(42, created, 1, "order-8", "orders", "c1"),
                MessageIds.legacy(42, created, 1, "order-7", "other", "c1"),
                MessageIds.legacy(42, created, 1, "order-7", "orders", "c2"),
                MessageIds.legacy(42, created, 1, "order-7", "orders", null),
                MessageIds.legacy(42, created, 1, "order-7", "orders", "")))
        .hasSize(9);
  }
}
