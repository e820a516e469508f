package dev.outboxrelay.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka record of an outbox row (docs/design.md, "Contracts"): key = {@code msg_key}, value =
 * payload, headers = the caller's plus the {@code outbox-*} headers consumers dedupe and trace
 * with.
 */
public final class KafkaRecords {
  /**
   * The message's global id ({@link OutboxRow#messageId}, a UUID string): consumers dedupe on it.
   */
  public static final String ID_HEADER = "outbox-id";

  public static final String REF_TYPE_HEADER = "outbox-ref-type";
  public static final String REF_ID_HEADER = "outbox-ref-id";

  /** When the business transaction wrote the message, ISO-8601 UTC. */
  public static final String CREATED_AT_HEADER = "outbox-created-at";

  /** Header names callers may not set: the outbox sets them. */
  public static final String RESERVED_PREFIX = "outbox-";

  /** The header of a dead-letter copy that says why the message is DEAD. */
  public static final String ERROR_HEADER = "outbox-error";

  /** The most bytes of the error a dead-letter copy carries in {@link #ERROR_HEADER}. */
  public static final int MAX_ERROR_HEADER_BYTES = 1000;

  /** Kafka's default {@code max.request.size}, for producers that do not set it. */
  public static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

  // The outbox headers' longest values: a UUID, an int, an ISO-8601 instant with nanoseconds.
  private static final String LONGEST_ID = "00000000-0000-0000-0000-000000000000";
  private static final String LONGEST_REF_TYPE = Integer.toString(Integer.MIN_VALUE);
  private static final String LONGEST_INSTANT = "-1000000000-01-01T00:00:00.123456789Z";
  // The headers every record gets whatever the message, at their longest: built once, as send
  // estimates every message's size with them.
  private static final List<Header> LONGEST_FIXED_HEADERS =
      List.of(
          new RecordHeader(ID_HEADER, utf8(LONGEST_ID)),
          new RecordHeader(REF_TYPE_HEADER, utf8(LONGEST_REF_TYPE)),
          new RecordHeader(CREATED_AT_HEADER, utf8(LONGEST_INSTANT)),
          new RecordHeader(ERROR_HEADER, new byte[MAX_ERROR_HEADER_BYTES]));

  private KafkaRecords() {}

  /**
   * The most bytes the record of a message can take in a produce request, as Kafka's producer
   * estimates it against {@code max.request.size} (one record batch, uncompressed): its key,
   * payload and headers, the {@code outbox-*} headers at their longest, and room for the {@link
   * #ERROR_HEADER} of a dead-letter copy, so that what is accepted can be published, and copied
   * when it dies.
   */
  public static int sizeUpperBound(
      @Nullable String key, byte[] payload, Map<String, String> headers, String refId) {
    List<Header> all = new ArrayList<>(headers.size() + 5);
    headers.forEach((name, value) -> all.add(new RecordHeader(name, utf8(value))));
    all.add(new RecordHeader(REF_ID_HEADER, utf8(refId)));
    all.addAll(LONGEST_FIXED_HEADERS);
    return AbstractRecords.estimateSizeInBytesUpperBound(
        RecordBatch.CURRENT_MAGIC_VALUE,
        CompressionType.NONE,
        key == null ? null : utf8(key),
        payload,
        all.toArray(new Header[0]));
  }

  /** {@code error} as the {@link #ERROR_HEADER} value: UTF-8, cut to its byte limit. */
  public static byte[] errorHeaderValue(String error) {
    byte[] bytes = utf8(error);
    return bytes.length <= MAX_ERROR_HEADER_BYTES
        ? bytes
        : java.util.Arrays.copyOf(bytes, MAX_ERROR_HEADER_BYTES);
  }

  public static ProducerRecord<byte[], byte[]> toRecord(OutboxRow row) {
    RecordHeaders headers = new RecordHeaders();
    for (Map.Entry<String, String> header : row.headers().entrySet()) {
      headers.add(header.getKey(), utf8(header.getValue()));
    }
    headers.add(ID_HEADER, utf8(row.messageId()));
    headers.add(REF_TYPE_HEADER, utf8(Integer.toString(row.refType())));
    headers.add(REF_ID_HEADER, utf8(row.refId()));
    headers.add(CREATED_AT_HEADER, utf8(row.createdAt().toString()));
    byte[] key = row.key() == null ? null : utf8(row.key());
    return new ProducerRecord<>(row.topic(), null, key, row.payload(), headers);
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
