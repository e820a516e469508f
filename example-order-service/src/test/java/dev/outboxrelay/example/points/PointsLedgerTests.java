package dev.outboxrelay.example.points;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PointsLedgerTests {

  @Test
  void onePointPerWholeCurrencyUnit() {
    assertThat(PointsLedger.pointsFor(new BigDecimal("12.50"))).isEqualTo(12);
    assertThat(PointsLedger.pointsFor(new BigDecimal("0.99"))).isZero();
    assertThat(PointsLedger.pointsFor(new BigDecimal("200.00"))).isEqualTo(200);
  }
}
