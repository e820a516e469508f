package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LanesTests {

  @Test
  void laneOfAKeyIsStableAndWithinRange() {
    // murmur2 of the UTF-8 key, as Kafka's default partitioner: pinned so it never changes
    // between releases (rows already written carry their lane).
    assertThat(Lanes.laneOf("customer-42", 16)).isEqualTo(Lanes.laneOf("customer-42", 16));
    assertThat(Lanes.laneOf("customer-42", 16))
        .isEqualTo(
            org.apache.kafka.common.utils.Utils.toPositive(
                    org.apache.kafka.common.utils.Utils.murmur2(
                        "customer-42".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                % 16);
    assertThat(IntStream.range(0, 1000).map(i -> Lanes.laneOf("key-" + i, 7)))
        .allMatch(lane -> lane >= 0 && lane < 7);
    assertThat(IntStream.range(0, 200).map(i -> Lanes.laneOf(null, 4)).distinct().count())
        .isGreaterThan(1);
  }
}
