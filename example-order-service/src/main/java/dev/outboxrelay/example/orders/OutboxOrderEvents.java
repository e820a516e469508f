package dev.outboxrelay.example.orders;

import dev.outboxrelay.Outbox;
import dev.outboxrelay.OutboxMessage;
import tools.jackson.databind.json.JsonMapper;

/** Approach 3: the event goes to the outbox in the order's transaction; the outbox delivers it. */
final class OutboxOrderEvents implements OrderEvents {
  private final Outbox outbox;
  private final String topic;
  private final JsonMapper json;

  OutboxOrderEvents(Outbox outbox, String topic, JsonMapper json) {
    this.outbox = outbox;
    this.topic = topic;
    this.json = json;
  }

  @Override
  public Long inTransaction(OrderPlaced event) {
    return outbox.send(
        OutboxMessage.builder(topic)
            .key(event.userId())
            .payload(json.writeValueAsBytes(event))
            .reference(OrderPlaced.ORDER_PLACED, Long.toString(event.orderId()))
            .build());
  }

  @Override
  public void afterCommit(OrderPlaced event) {
    // the fast path and the relay take it from here
  }
}
