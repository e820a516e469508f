package dev.outboxrelay.example.orders;

import jakarta.validation.Valid;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders} and {@code GET /orders/{id}}; errors are RFC 9457 problem details ({@link
 * ProblemResponses}).
 */
@RestController
class OrderController {
  private final OrderService orders;

  OrderController(OrderService orders) {
    this.orders = orders;
  }

  /** {@code 201 {"orderId": 7}} once the order and its event are committed. */
  @PostMapping("/orders")
  ResponseEntity<PlacedResponse> place(
      @Valid @RequestBody PlaceOrderRequest request,
      @RequestParam(name = "fail", required = false) String fail) {
    Fault fault = fault(fail);
    OrderPlaced event = orders.place(request, fault);
    if (fault == Fault.AFTER_COMMIT) {
      throw new InjectedFaultException(
          "the service failed after order " + event.orderId() + " was committed");
    }
    orders.afterCommit(event);
    return ResponseEntity.created(URI.create("/orders/" + event.orderId()))
        .body(new PlacedResponse(event.orderId()));
  }

  @GetMapping("/orders/{id}")
  OrderResponse find(@PathVariable("id") long id) {
    Order order =
        orders
            .find(id)
            .orElseThrow(
                () ->
                    new ErrorResponseException(
                        HttpStatus.NOT_FOUND,
                        ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "no order " + id),
                        null));
    String delivery = orders.delivery(order).map(Enum::name).orElse("UNTRACKED");
    return new OrderResponse(
        order.id(), order.userId(), order.amount(), order.createdAt(), order.messageId(), delivery);
  }

  private static Fault fault(String fail) {
    try {
      return Fault.ofParameter(fail);
    } catch (IllegalArgumentException e) {
      ProblemDetail problem =
          ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
      problem.setProperty("errors", java.util.List.of(new FieldError("fail", e.getMessage())));
      throw new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, e);
    }
  }

  record PlacedResponse(long orderId) {}

  /**
   * @param messageId the outbox message of the order's event; {@code null} without the outbox
   * @param delivery PENDING, SENT or DEAD (the outbox's status of the event; in message-store mode
   *     also PREPARED or CANCELLED), or UNTRACKED
   */
  record OrderResponse(
      long orderId,
      String userId,
      BigDecimal amount,
      Instant createdAt,
      Long messageId,
      String delivery) {}

  /** One entry of a 400 problem's {@code errors}: the field and what is wrong with it. */
  record FieldError(String field, String message) {}
}
