package dev.outboxrelay.internal;

/**
 * Why a row of a round was not recorded as sent although nothing is wrong with it or its topic: the
 * next round takes it again, without counting an attempt or backing its topic off.
 */
public abstract class LeftForNextRoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected LeftForNextRoundException(String message) {
    super(message, null, false, false);
  }
}
