package dev.outboxrelay.example.demo;

import dev.outboxrelay.example.orders.Fault;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** One order of the demo's script: who, how much, and which failure (if any) to inject. */
record ScriptedOrder(String userId, BigDecimal amount, Fault fault) {

  /** Share of orders that get each injected fault. */
  static final double FAULT_SHARE = 0.03;

  /**
   * {@code count} orders from a fixed seed: 500 users, amounts 1.00 to 200.00, and {@value
   * #FAULT_SHARE} of the orders for each of the three faults (after-send, at-commit, after-commit).
   */
  static List<ScriptedOrder> script(int count, long seed) {
    Random random = new Random(seed);
    List<ScriptedOrder> orders = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String userId = "u-" + (1 + random.nextInt(500));
      BigDecimal amount = BigDecimal.valueOf(100 + random.nextInt(19_901), 2);
      double draw = random.nextDouble();
      Fault fault =
          draw < FAULT_SHARE
              ? Fault.AFTER_SEND
              : draw < 2 * FAULT_SHARE
                  ? Fault.AT_COMMIT
                  : draw < 3 * FAULT_SHARE ? Fault.AFTER_COMMIT : Fault.NONE;
      orders.add(new ScriptedOrder(userId, amount, fault));
    }
    return orders;
  }
}
