package dev.outboxrelay.example.orders;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A failure {@code POST /orders?fail=...} injects on purpose, to show what each publishing strategy
 * does with it. The order service is an example: a real service has no such switch.
 */
public enum Fault {
  NONE(null),
  /** The transaction throws after the event was sent: it rolls back. */
  AFTER_SEND("after-send"),
  /** The commit itself fails (after the event was sent): the transaction rolls back. */
  AT_COMMIT("at-commit"),
  /**
   * The service fails right after the commit, before anything else runs: the order is committed,
   * the client gets a 500 anyway.
   */
  AFTER_COMMIT("after-commit");

  private final String parameter;

  Fault(String parameter) {
    this.parameter = parameter;
  }

  /** The value of the {@code fail} query parameter; {@code null} for {@link #NONE}. */
  public String parameter() {
    return parameter;
  }

  /**
   * @param parameter the {@code fail} query parameter; {@code null} for none
   * @throws IllegalArgumentException naming the allowed values when {@code parameter} is none
   */
  public static Fault ofParameter(String parameter) {
    if (parameter == null) {
      return NONE;
    }
    return Arrays.stream(values())
        .filter(fault -> parameter.equals(fault.parameter))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "fail must be one of "
                        + Arrays.stream(values())
                            .filter(fault -> fault != NONE)
                            .map(Fault::parameter)
                            .collect(Collectors.joining(", "))));
  }
}
