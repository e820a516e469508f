package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Bad input gets a clear error naming the field and the limit, and nothing is written; a duplicate
 * business reference gets its own exception. The outbox here has no fast path: these are about what
 * is written.
 */
class SendValidationIntegrationTests {
  private static final int MAX_PAYLOAD = 1000;
  private static OutboxFixture fixture;
  private static Outbox outbox;

  @BeforeAll
  static void start() {
    fixture = new OutboxFixture(OutboxSettings.builder().maxPayloadBytes(MAX_PAYLOAD));
    outbox = fixture.bean(Outbox.class);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static OutboxMessage.Builder valid(String refId) {
    return OutboxMessage.builder("orders").key("k").payload("{}").reference(1, refId);
  }

  static Stream<Arguments> invalidMessages() {
    return Stream.of(
        invalid("topic 'orders placed' is not a legal Kafka topic name", b -> {}, "orders placed"),
        invalid("topic must not be empty", b -> {}, ""),
        invalid("topic must not be '.' or '..'", b -> {}, ".."),
        invalid("topic is 250 characters long; Kafka allows at most 249", b -> {}, "t".repeat(250)),
        invalid("key is 256 characters long; at most 255", b -> b.key("k".repeat(256)), "orders"),
        invalid(
            "payload is 1001 bytes; at most 1000 are allowed (outbox.max-payload-bytes)",
            b -> b.payload(new byte[MAX_PAYLOAD + 1]),
            "orders"),
        invalid("header names must not be null or empty", b -> b.header(null, "v"), "orders"),
        invalid("header names must not be null or empty", b -> b.header("", "v"), "orders"),
        invalid("header 'h' must not have a null value", b -> b.header("h", null), "orders"),
        invalid("header 'outbox-id' is reserved", b -> b.header("outbox-id", "1"), "orders"),
        invalid(
            "header name 'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh...' is 256 characters long; at most 255",
            b -> b.header("h".repeat(256), "v"),
            "orders"),
        invalid(
            "headers take 70008 bytes as JSON; at most 65535 are allowed",
            b -> b.header("h", "v".repeat(70_000)),
            "orders"),
        invalid("refId must not be blank", b -> b.reference(1, " "), "orders"),
        invalid(
            "refId is 129 characters long; at most 128",
            b -> b.reference(1, "r".repeat(129)),
            "orders"),
        // issue 8, kind 7: values the database compares equal to another, Java and Kafka not
        invalid(
            "refId must not end with a space: the database compares 'invalid' and 'invalid ' as"
                + " equal",
            b -> b.reference(1, "invalid "),
            "orders"),
        invalid(
            "key must not end with a space: the database compares 'k' and 'k ' as equal",
            b -> b.key("k "),
            "orders"),
        invalid("key must not end with a space", b -> b.key("  "), "orders"));
  }

  private static Arguments invalid(
      String expectedMessage, Consumer<OutboxMessage.Builder> change, String topic) {
    OutboxMessage.Builder builder =
        OutboxMessage.builder(topic).key("k").payload("{}").reference(1, "invalid");
    change.accept(builder);
    return Arguments.of(expectedMessage, builder.build());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidMessages")
  void invalidMessageIsRefusedBeforeAnyWrite(String expectedMessage, OutboxMessage message) {
    assertThatThrownBy(() -> outbox.send(message))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expectedMessage);

    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'invalid'")).isZero();
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE ref_id = 'invalid'")).isZero();
  }

  @Test
  void aMessageWithoutPayloadOrReferenceIsRefusedWhenBuilt() {
    assertThatThrownBy(() -> OutboxMessage.builder("orders").reference(1, "r").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("payload must not be null (use an empty payload)");
    assertThatThrownBy(() -> OutboxMessage.builder("orders").payload("{}").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("refId must not be blank");
  }

  @Test
  void aReferenceThatDiffersOnlyByATrailingSpaceIsRefusedForWhatItIsNotAsADuplicate() {
    outbox.send(valid("order-42").build());

    // the database compares them equal: this used to be a DuplicateMessageReferenceException
    assertThatThrownBy(() -> outbox.send(valid("order-42 ").build()))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("refId must not end with a space");
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'order-42'"))
        .isEqualTo(1);
    // a leading space is no trouble: no PAD collation ignores it
    outbox.send(valid(" order-42").build());
  }

  @Test
  void largestAllowedValuesAreStoredIntact() {
    byte[] payload = new byte[MAX_PAYLOAD];
    payload[MAX_PAYLOAD - 1] = 7;
    long id =
        outbox.send(
            OutboxMessage.builder("t".repeat(249))
                .key("k".repeat(255))
                .payload(payload)
                .headers(Map.of("traceparent", "00-abc-def-01", "quote\"d", "line\nbreak é"))
                .reference(Integer.MAX_VALUE, "r".repeat(128))
                .build());

    Map<String, Object> row = fixture.jdbc.queryForMap("SELECT * FROM t_msg WHERE id = ?", id);
    assertThat((byte[]) row.get("payload")).isEqualTo(payload);
    assertThat(row.get("msg_key")).isEqualTo("k".repeat(255));
    assertThat(dev.outboxrelay.internal.HeadersJson.decode((String) row.get("headers")))
        .containsEntry("traceparent", "00-abc-def-01")
        .containsEntry("quote\"d", "line\nbreak é");
    assertThat(row.get("status")).isEqualTo(0);
  }

  @Test
  void duplicateReferenceOutsideTransactionIsRefusedAndWritesNothing() {
    outbox.send(valid("dup-1").build());

    assertThatThrownBy(() -> outbox.send(valid("dup-1").payload("second").build()))
        .isInstanceOf(DuplicateMessageReferenceException.class)
        .hasMessageContaining("refType=1, refId='dup-1'")
        .satisfies(
            e -> assertThat(((DuplicateMessageReferenceException) e).refId()).isEqualTo("dup-1"));

    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg WHERE ref_id = 'dup-1'")).isEqualTo(1);
    assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'dup-1'"))
        .isEqualTo(1);
  }

  @Test
  void duplicateReferenceInsideTransactionLeavesTheTransactionUsable() {
    TransactionTemplate tx =
        new TransactionTemplate(fixture.bean(PlatformTransactionManager.class));
    tx.executeWithoutResult(
        status -> {
          outbox.send(valid("dup-2").build());
          assertThatThrownBy(() -> outbox.send(valid("dup-2").build()))
              .isInstanceOf(DuplicateMessageReferenceException.class);
          outbox.send(valid("dup-3").build());
        });

    assertThat(
            fixture.jdbc.queryForList(
                "SELECT ref_id FROM t_msg WHERE ref_id LIKE 'dup-_' AND ref_id <> 'dup-1' ORDER BY id",
                String.class))
        .containsExactly("dup-2", "dup-3");
  }

  @Test
  void msgSenderWithoutDefaultTopicNamesTheProperty() {
    MsgSender sender = new MsgSender(outbox, null);

    assertThatThrownBy(() -> sender.send("m", 1, "no-topic"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("outbox.default-topic");
  }
}
