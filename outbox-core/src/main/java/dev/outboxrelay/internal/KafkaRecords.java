package dev.outboxrelay.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka record of an outbox row (docs/design.md §5): key = {@code msg_key}, value = payload,
 * headers = the caller's plus the {@code outbox-*} headers consumers dedupe and trace with.
 */
public final class KafkaRecords {
  /** The message id: consumers dedupe on it. */
  public static final String ID_HEADER = "outbox-id";

  public static final String REF_TYPE_HEADER = "outbox-ref-type";
  public static final String REF_ID_HEADER = "outbox-ref-id";

  /** When the business transaction wrote the message, ISO-8601 UTC. */
  public static final String CREATED_AT_HEADER = "outbox-created-at";

  /** Header names callers may not set: the outbox sets them. */
  public static final String RESERVED_PREFIX = "outbox-";

  private KafkaRecords() {}

  public static ProducerRecord<byte[], byte[]> toRecord(OutboxRow row) {
    RecordHeaders headers = new RecordHeaders();
    for (Map.Entry<String, String> header : row.headers().entrySet()) {
      headers.add(header.getKey(), utf8(header.getValue()));
    }
    headers.add(ID_HEADER, utf8(Long.toString(row.id())));
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
