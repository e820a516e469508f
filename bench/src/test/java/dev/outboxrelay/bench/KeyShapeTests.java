package dev.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The key shapes of phase [6]: the spread they promise, and the same key for a message each time.
 */
class KeyShapeTests {
  private static final int DRAWS = 200_000;

  private static Map<String, Integer> counts(KeyShape shape) {
    KeyShape.Keys keys = shape.draw();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < DRAWS; i++) {
      counts.merge(keys.key(i), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void uniformKeysAreAllUsedAboutEquallyOften() {
    Map<String, Integer> counts = counts(KeyShape.of("10"));

    assertThat(counts).hasSize(10);
    assertThat(counts.values())
        .allSatisfy(n -> assertThat(n / (double) DRAWS).isCloseTo(0.1, within(0.005)));
    assertThat(counts(KeyShape.of("100000"))).hasSizeGreaterThan(85_000); // 1 - 1/e^2 of them
  }

  @Test
  void zipfGivesTheHottestKeyAboutATenthAndTheHundredHottestAboutHalf() {
    Map<String, Integer> counts = counts(KeyShape.of("zipf"));

    // 1/H(10000) = 0.102; H(100)/H(10000) = 0.536 (H: the harmonic numbers)
    assertThat(counts.get("customer-0") / (double) DRAWS).isCloseTo(0.102, within(0.005));
    long top100 = 0;
    for (int rank = 0; rank < 100; rank++) {
      top100 += counts.getOrDefault("customer-" + rank, 0);
    }
    assertThat(top100 / (double) DRAWS).isCloseTo(0.536, within(0.01));
  }

  @Test
  void aMessageHasTheSameKeyEveryTime() {
    KeyShape.Keys first = KeyShape.of("zipf").draw();
    KeyShape.Keys second = KeyShape.of("zipf").draw();
    for (int i = 0; i < 1_000; i++) {
      assertThat(second.key(i)).isEqualTo(first.key(i));
    }
  }
}
