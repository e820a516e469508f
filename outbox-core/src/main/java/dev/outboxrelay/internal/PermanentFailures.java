package dev.outboxrelay.internal;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;

/** Failures of a message that no retry can cure: the message itself is wrong, it becomes DEAD. */
public final class PermanentFailures {
  private PermanentFailures() {}

  /**
   * @return whether {@code error} is a failure of the message itself (too large, invalid, cannot be
   *     serialized or built, its topic's name is illegal)
   */
  public static boolean isPermanent(Throwable error) {
    return error instanceof UnpublishableMessageException
        || error instanceof RecordTooLargeException
        || error instanceof RecordBatchTooLargeException
        || error instanceof InvalidTopicException
        || error instanceof InvalidRecordException
        || error instanceof SerializationException;
  }
}
