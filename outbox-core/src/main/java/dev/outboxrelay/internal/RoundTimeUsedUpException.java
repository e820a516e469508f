package dev.outboxrelay.internal;

/**
 * A row a round did not send because its time was used up: the round's ack timeout (the relay's
 * {@code send-timeout}), which bounds how long its row locks are held, went to waits for other
 * topics' metadata. Not the message's fault: the row is left for the next round.
 */
public class RoundTimeUsedUpException extends LeftForNextRoundException {
  private static final long serialVersionUID = 1L;

  public RoundTimeUsedUpException(long ackTimeoutMillis) {
    super(
        "not sent: the round's "
            + ackTimeoutMillis
            + " ms were used up waiting for other topics' metadata");
  }
}
