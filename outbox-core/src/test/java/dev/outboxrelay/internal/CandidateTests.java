package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The byte budget of a relay round ({@link Candidate#withinBudget}). */
class CandidateTests {
  private final List<List<Long>> measured = new ArrayList<>();

  private Map<Long, Long> measure(List<Long> ids, long bytes) {
    measured.add(ids);
    Map<Long, Long> sizes = new HashMap<>();
    ids.forEach(id -> sizes.put(id, bytes));
    return sizes;
  }

  @Test
  void takesTheLongestPrefixInIdOrderWithinTheBudget() {
    List<Candidate> candidates =
        List.of(
            new Candidate(4, 1, 100),
            new Candidate(1, 0, 400),
            new Candidate(2, 1, 400),
            new Candidate(3, 0, 300));
    assertThat(Candidate.withinBudget(candidates, 1000, ids -> Map.of())).containsExactly(1L, 2L);
    assertThat(Candidate.withinBudget(candidates, 800, ids -> Map.of())).containsExactly(1L, 2L);
    assertThat(Candidate.withinBudget(candidates, 1200, ids -> Map.of()))
        .containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void aRowLargerThanTheBudgetGoesAloneAndNothingAfterIt() {
    List<Candidate> candidates = List.of(new Candidate(7, 0, 5000), new Candidate(8, 0, 1));
    assertThat(Candidate.withinBudget(candidates, 1000, ids -> Map.of())).containsExactly(7L);
    assertThat(Candidate.withinBudget(List.of(), 1000, ids -> Map.of())).isEmpty();
  }

  @Test
  void unknownSizesAreMeasuredOnlyAsFarAsTheBudgetReachesInGrowingSlices() {
    List<Candidate> large = new ArrayList<>();
    for (long id = 1; id <= 500; id++) {
      large.add(new Candidate(id, 0, -1));
    }
    // 1 MB rows, 8 MB budget: one slice of 16 is read, not 500 payloads
    assertThat(Candidate.withinBudget(large, 8_000_000, ids -> measure(ids, 1_000_000))).hasSize(8);
    assertThat(measured).hasSize(1);
    assertThat(measured.get(0)).hasSize(Candidate.FIRST_MEASURE).startsWith(1L);

    // small rows: slices of 16, 32, 64, ... until all 500 are in
    measured.clear();
    assertThat(Candidate.withinBudget(large, 8_000_000, ids -> measure(ids, 300))).hasSize(500);
    assertThat(measured).extracting(List::size).containsExactly(16, 32, 64, 128, 256, 4);
  }

  @Test
  void knownSizesAreNotMeasuredAndAVanishedRowCountsAsEmpty() {
    List<Candidate> mixed =
        List.of(new Candidate(1, 0, 10), new Candidate(2, 0, -1), new Candidate(3, 0, 10));
    assertThat(Candidate.withinBudget(mixed, 100, ids -> measure(List.of(), 0)))
        .containsExactly(1L, 2L, 3L);
    assertThat(measured).hasSize(1);
  }
}
