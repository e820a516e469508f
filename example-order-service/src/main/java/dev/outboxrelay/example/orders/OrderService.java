package dev.outboxrelay.example.orders;

import dev.outboxrelay.DeliveryStatus;
import dev.outboxrelay.Outbox;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** Places orders: the order row and its event in one transaction. */
@Service
public class OrderService {
  private final OrderRepository orders;
  private final OrderEvents events;
  private final ObjectProvider<Outbox> outbox;

  OrderService(OrderRepository orders, OrderEvents events, ObjectProvider<Outbox> outbox) {
    this.orders = orders;
    this.events = events;
    this.outbox = outbox;
  }

  /**
   * Writes the order and publishes its event the configured way, in one transaction; then, for
   * {@code fault} other than {@link Fault#NONE} and {@link Fault#AFTER_COMMIT}, fails on purpose
   * after the event was sent.
   *
   * @return the event of the committed order
   * @throws InjectedFaultException for {@link Fault#AFTER_SEND} and {@link Fault#AT_COMMIT};
   *     nothing is committed
   * @throws EventNotPublishedException when the event is sent in the transaction and Kafka did not
   *     acknowledge it; nothing is committed
   */
  @Transactional
  public OrderPlaced place(PlaceOrderRequest request, Fault fault) {
    long orderId = orders.insert(request.userId(), request.amount());
    OrderPlaced event = new OrderPlaced(orderId, request.userId(), request.amount());
    Long messageId = events.inTransaction(event);
    if (messageId != null) {
      orders.setMessageId(orderId, messageId);
    }
    if (fault == Fault.AFTER_SEND) {
      throw new InjectedFaultException("order " + orderId + " failed after its event was sent");
    }
    if (fault == Fault.AT_COMMIT) {
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void beforeCommit(boolean readOnly) {
              // An exception here makes Spring roll the transaction back instead of committing.
              throw new InjectedFaultException("the commit of order " + orderId + " failed");
            }
          });
    }
    return event;
  }

  /** Runs what the publishing strategy does after the commit (approach 2 sends here). */
  public void afterCommit(OrderPlaced event) {
    events.afterCommit(event);
  }

  /** The order, if it was committed. */
  public Optional<Order> find(long orderId) {
    return orders.find(orderId);
  }

  /**
   * Where the order's event stands, when it went through the outbox: empty for the direct
   * strategies, which cannot tell.
   */
  public Optional<DeliveryStatus> delivery(Order order) {
    Outbox available = outbox.getIfAvailable();
    if (order.messageId() == null || available == null) {
      return Optional.empty();
    }
    // No row after a commit: removed after delivery (relay on-ack=delete, or purged).
    return Optional.of(available.deliveryStatus(order.messageId()).orElse(DeliveryStatus.SENT));
  }
}
