package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MicrometerPublishListenerTests {

  @Test
  void theRelaysDeadCounterIsThereAtZeroBeforeTheFirstDeadMessageAndTheFastPathHasNone() {
    SimpleMeterRegistry relay = new SimpleMeterRegistry();
    SimpleMeterRegistry fastPath = new SimpleMeterRegistry();

    new MicrometerPublishListener(relay).withDeadCounter();
    new MicrometerPublishListener(fastPath);

    // a first sample at 0: Prometheus's increase() then counts the first DEAD message
    assertThat(relay.get(MicrometerPublishListener.DEAD).counter().count()).isZero();
    assertThat(fastPath.find(MicrometerPublishListener.DEAD).counter()).isNull();
  }
}
