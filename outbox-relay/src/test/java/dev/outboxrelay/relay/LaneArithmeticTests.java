package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How lanes are shared among instances and among an instance's workers; no servers. */
class LaneArithmeticTests {

  @Test
  void everyLaneHasAnOwnerWhateverTheNumberOfInstances() {
    assertThat(LaneLeases.fairShare(16, 1)).isEqualTo(16);
    assertThat(LaneLeases.fairShare(16, 2)).isEqualTo(8);
    assertThat(LaneLeases.fairShare(16, 3)).isEqualTo(6);
    assertThat(LaneLeases.fairShare(16, 16)).isEqualTo(1);
    assertThat(LaneLeases.fairShare(16, 40)).isEqualTo(1);
    assertThat(LaneLeases.fairShare(1024, 7)).isEqualTo(147);
    for (int lanes = 1; lanes <= 64; lanes++) {
      for (int members = 1; members <= 70; members++) {
        int share = LaneLeases.fairShare(lanes, members);
        assertThat((long) share * members).isGreaterThanOrEqualTo(lanes);
        assertThat((long) (share - 1) * members).isLessThan(lanes);
      }
    }
  }

  @Test
  void workersSplitTheOwnedLanesWithoutOverlapOrGap() {
    List<Integer> owned = List.of(0, 3, 4, 7, 9, 12, 15);

    assertThat(LaneWorker.lanesOf(owned, 0, 2)).containsExactly(0, 4, 9, 15);
    assertThat(LaneWorker.lanesOf(owned, 1, 2)).containsExactly(3, 7, 12);
    assertThat(LaneWorker.lanesOf(owned, 7, 8)).isEmpty();
    assertThat(LaneWorker.lanesOf(List.of(), 0, 1)).isEmpty();
    for (int workers = 1; workers <= 9; workers++) {
      List<Integer> all = new ArrayList<>();
      for (int index = 0; index < workers; index++) {
        all.addAll(LaneWorker.lanesOf(owned, index, workers));
      }
      Set<Integer> distinct = new HashSet<>(all);
      assertThat(all).hasSameSizeAs(distinct);
      assertThat(distinct).containsExactlyInAnyOrderElementsOf(owned);
    }
    assertThat(LaneWorker.lanesOf(IntStream.range(0, 16).boxed().toList(), 0, 1)).hasSize(16);
  }
}
