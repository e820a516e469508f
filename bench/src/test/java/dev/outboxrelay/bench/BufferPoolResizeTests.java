package dev.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BufferPoolResizeTests {

  @Test
  void mariaDbsCompletionLineEndsTheWaitAndARunningResizeDoesNot() {
    // MariaDB 11.4's status after growing the pool: it says "resizing" too
    assertThat(
            OutboxBench.resized(
                "Completed resizing buffer pool from 268435456 to 1073741824 bytes."))
        .isTrue();
    assertThat(OutboxBench.resized("")).isTrue();
    assertThat(
            OutboxBench.resized(
                "Resizing buffer pool from 268435456 to 1073741824 (unit=134217728)."))
        .isFalse();
  }
}
