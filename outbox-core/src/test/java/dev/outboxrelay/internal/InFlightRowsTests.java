package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** Which late acknowledgements may be recorded, keeping each key's order; no servers. */
class InFlightRowsTests {

  @Test
  void aKeysLateAcknowledgementWaitsWhileAnEarlierRowOfTheKeyIsUndecided() {
    CompletableFuture<RecordMetadata> first = new CompletableFuture<>();
    List<BatchPublisher.InFlight> watched =
        new ArrayList<>(
            List.of(
                inFlight(1, "k", first), inFlight(2, "k", acked()), inFlight(3, "other", acked())));

    InFlightRows.Decided decided = InFlightRows.decide(watched);

    assertThat(ids(decided.acked())).containsExactly(3L);
    assertThat(ids(watched)).containsExactly(1L, 2L);

    first.complete(metadata());
    assertThat(ids(InFlightRows.decide(watched).acked())).containsExactly(1L, 2L);
    assertThat(watched).isEmpty();
  }

  /**
   * The producer gave up on row 1 and then delivered row 2 of the same key: recorded as sent, row 2
   * would be overtaken by row 1 going out again. It is no longer watched, stays PENDING, and goes
   * out again after row 1; so does row 3, still in flight.
   */
  @Test
  void afterAKeysLateFailureItsLaterRowsAreLeftToGoOutAgainAfterIt() {
    CompletableFuture<RecordMetadata> failed = new CompletableFuture<>();
    failed.completeExceptionally(new TimeoutException("Expiring 1 record(s)"));
    List<BatchPublisher.InFlight> watched =
        new ArrayList<>(
            List.of(
                inFlight(1, "k", failed),
                inFlight(2, "k", acked()),
                inFlight(3, "k", new CompletableFuture<>()),
                inFlight(4, "other", acked())));

    InFlightRows.Decided decided = InFlightRows.decide(watched);

    assertThat(ids(decided.acked())).containsExactly(4L);
    assertThat(decided.failed()).isOne();
    assertThat(decided.firstError()).contains("Expiring 1 record(s)");
    assertThat(decided.keptForOrder()).isEqualTo(2);
    assertThat(watched).isEmpty();
  }

  @Test
  void rowsWithoutAKeyHaveNoOrderToKeep() {
    CompletableFuture<RecordMetadata> failed = new CompletableFuture<>();
    failed.completeExceptionally(new TimeoutException("Expiring 1 record(s)"));
    List<BatchPublisher.InFlight> watched =
        new ArrayList<>(List.of(inFlight(1, null, failed), inFlight(2, null, acked())));

    InFlightRows.Decided decided = InFlightRows.decide(watched);

    assertThat(ids(decided.acked())).containsExactly(2L);
    assertThat(decided.keptForOrder()).isZero();
  }

  private static List<Long> ids(List<BatchPublisher.InFlight> rows) {
    return rows.stream().map(row -> row.row().id()).toList();
  }

  private static CompletableFuture<RecordMetadata> acked() {
    return CompletableFuture.completedFuture(metadata());
  }

  private static RecordMetadata metadata() {
    return new RecordMetadata(new TopicPartition("t", 0), 0, 0, 0, 0, 0);
  }

  private static BatchPublisher.InFlight inFlight(
      long id, String key, CompletableFuture<RecordMetadata> ack) {
    OutboxRow row =
        new OutboxRow(
            id,
            "m" + id,
            1,
            "r" + id,
            "t",
            key,
            new byte[] {1},
            Map.of(),
            0,
            0,
            Instant.now(),
            null);
    return new BatchPublisher.InFlight(
        row, ack, new java.util.concurrent.TimeoutException("wait"), System.nanoTime());
  }
}
