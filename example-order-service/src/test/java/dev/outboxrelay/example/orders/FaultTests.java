package dev.outboxrelay.example.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FaultTests {

  @Test
  void parameterNamesTheFault() {
    assertThat(Fault.ofParameter(null)).isEqualTo(Fault.NONE);
    assertThat(Fault.ofParameter("after-send")).isEqualTo(Fault.AFTER_SEND);
    assertThat(Fault.ofParameter("at-commit")).isEqualTo(Fault.AT_COMMIT);
    assertThat(Fault.ofParameter("after-commit")).isEqualTo(Fault.AFTER_COMMIT);
    assertThatThrownBy(() -> Fault.ofParameter("never"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fail must be one of after-send, at-commit, after-commit");
  }
}
