package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The Kafka record of an outbox row (docs/design.md, "Contracts"); no servers. */
class KafkaRecordsTests {
  private static final Instant CREATED = Instant.parse("2026-11-30T03:04:05.678Z");

  private static OutboxRow row(String key, Map<String, String> headers) {
    return new OutboxRow(
        42L,
        "0193a5f2-7c41-7d3e-9b1a-2f4c6d8e0a1b",
        10,
        "order-7",
        "orders",
        key,
        "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
        headers,
        3,
        0,
        CREATED,
        null);
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void keyPayloadAndTheCallersHeadersThenTheOutboxHeaders() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("trace-id", "abc");
    headers.put("tenant", "ü-1");

    ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(row("user-1", headers));

    assertThat(record.topic()).isEqualTo("orders");
    assertThat(record.partition()).isNull();
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("user-1");
    assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    assertThat(record.headers().toArray())
        .extracting(Header::key)
        .containsExactly(
            "trace-id",
            "tenant",
            "outbox-id",
            "outbox-ref-type",
            "outbox-ref-id",
            "outbox-created-at");
    assertThat(header(record, "tenant")).isEqualTo("ü-1");
    assertThat(header(record, KafkaRecords.ID_HEADER))
        .isEqualTo("0193a5f2-7c41-7d3e-9b1a-2f4c6d8e0a1b");
    assertThat(header(record, KafkaRecords.REF_TYPE_HEADER)).isEqualTo("10");
    assertThat(header(record, KafkaRecords.REF_ID_HEADER)).isEqualTo("order-7");
    assertThat(header(record, KafkaRecords.CREATED_AT_HEADER))
        .isEqualTo("2026-11-30T03:04:05.678Z");
  }

  @Test
  void noKeyIsANullKafkaKey() {
    assertThat(KafkaRecords.toRecord(row(null, Map.of())).key()).isNull();
  }
}
