package dev.outboxrelay.example.points;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /points/{userId}}: {@code {"userId": "u-42", "points": 12}}. */
@RestController
class PointsController {
  private final PointsLedger ledger;

  PointsController(PointsLedger ledger) {
    this.ledger = ledger;
  }

  @GetMapping("/points/{userId}")
  Balance balance(@PathVariable("userId") String userId) {
    return new Balance(userId, ledger.balance(userId));
  }

  record Balance(String userId, long points) {}
}
