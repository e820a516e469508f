package dev.outboxrelay.bench;

import java.util.Arrays;
import java.util.List;

/**
 * How a backlog's messages spread over their keys: {@code keys} keys drawn uniformly, or skewed by
 * Zipf's law with exponent {@code zipf} (key rank r drawn with probability proportional to 1/r^s:
 * at s = 1 over 10,000 keys the hottest key has about 10 % of the messages and the 100 hottest
 * about half; Zipf, "Human Behavior and the Principle of Least Effort", 1949, the usual model of a
 * hot customer). Message {@code seq} always gets the same key, so that backlogs written by SQL and
 * through the API for one shape hold the same keys in the same order.
 *
 * @param name the shape's tag on the command line and in the report, e.g. {@code 1000} or {@code
 *     zipf}
 * @param keys how many distinct keys there are, at least 1
 * @param zipf Zipf's exponent, 0 for uniform
 */
record KeyShape(String name, int keys, double zipf) {
  /** The shapes of {@code --shapes}' default, in the order they run. */
  static final List<String> NAMES = List.of("10", "1000", "10000", "100000", "zipf");

  private static final int ZIPF_KEYS = 10_000;

  /**
   * The shape named {@code name}: a number of uniformly drawn keys, or {@code zipf} (10,000 keys, s
   * = 1).
   *
   * @throws IllegalArgumentException naming the shapes there are
   */
  static KeyShape of(String name) {
    if (name.equals("zipf")) {
      return new KeyShape(name, ZIPF_KEYS, 1.0);
    }
    if (name.matches("[1-9][0-9]{0,6}")) {
      return new KeyShape(name, Integer.parseInt(name), 0);
    }
    throw new IllegalArgumentException(
        "no key shape '"
            + name
            + "': give a number of keys (1 to 9999999, drawn uniformly) or zipf (10,000 keys,"
            + " skewed), e.g. --shapes=10,1000,zipf");
  }

  /** Draws keys for message sequence numbers; holds the Zipf distribution's table. */
  Keys draw() {
    return new Keys(this);
  }

  /** Message {@code seq}'s key, {@code customer-<rank>}. */
  static final class Keys {
    private final int keys;
    private final double[] cumulative; // Zipf's cumulative probabilities by rank; null: uniform

    private Keys(KeyShape shape) {
      keys = shape.keys();
      if (shape.zipf() == 0) {
        cumulative = null;
      } else {
        cumulative = new double[keys];
        double sum = 0;
        for (int rank = 1; rank <= keys; rank++) {
          sum += 1 / Math.pow(rank, shape.zipf());
          cumulative[rank - 1] = sum;
        }
        for (int i = 0; i < keys; i++) {
          cumulative[i] /= sum;
        }
      }
    }

    String key(long seq) {
      // a fixed pseudo-random draw per message (SplitMix64's finalizer), in [0, 1)
      long z = (seq + 1) * 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z ^= z >>> 31;
      double u = (z >>> 11) * 0x1.0p-53;
      int rank;
      if (cumulative == null) {
        rank = (int) (u * keys);
      } else {
        int found = Arrays.binarySearch(cumulative, u);
        rank = Math.min(keys - 1, found >= 0 ? found : -found - 1);
      }
      return "customer-" + rank;
    }
  }
}
