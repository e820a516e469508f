package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.internal.RoundTimeUsedUpException;
import dev.outboxrelay.internal.UnpublishableMessageException;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

class RelaySettingsTests {

  private static RelaySettings.Builder valid() {
    return RelaySettings.builder().kafkaBootstrapServers("kafka:9092");
  }

  private static void assertInvalid(
      UnaryOperator<RelaySettings.Builder> change, String property, String message) {
    assertThatThrownBy(() -> change.apply(valid()).build())
        .isInstanceOfSatisfying(
            InvalidSettingException.class, e -> assertThat(e.property()).isEqualTo(property))
        .hasMessage(message);
  }

  @Test
  void defaultsAreValid() {
    RelaySettings settings = valid().build();

    assertThat(settings.lanes()).isEqualTo(16);
    assertThat(settings.batchSize()).isEqualTo(500);
    assertThat(settings.onAck()).isEqualTo(RelaySettings.OnAck.MARK_SENT);
    assertThat(settings.backoff()).isEqualTo(RelaySettings.Backoff.DEFAULT);
    assertThat(settings.instanceId()).isNotBlank();
    assertThat(settings.toBuilder().build()).isEqualTo(settings);
  }

  @Test
  void badValuesFailWithOneLineNamingThePropertyAndTheRange() {
    assertThatThrownBy(() -> RelaySettings.builder().build())
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("outbox.relay.kafka.bootstrap-servers must be set (host:port[,host:port...])");
    assertInvalid(
        b -> b.batchSize(0),
        "outbox.relay.batch-size",
        "outbox.relay.batch-size must be between 1 and 10000, was 0");
    assertInvalid(
        b -> b.batchBytes(1000),
        "outbox.relay.batch-bytes",
        "outbox.relay.batch-bytes must be between 64KB and 1GB, was 1000B");
    assertInvalid(
        b -> b.stallTimeout(Duration.ofSeconds(30)),
        "outbox.relay.stall-timeout",
        "outbox.relay.stall-timeout (30s) must be more than twice outbox.relay.send-timeout (15s):"
            + " a round that waits for its acks is not stalled");
    assertInvalid(
        b -> b.pollInterval(Duration.ofMinutes(2)),
        "outbox.relay.poll-interval",
        "outbox.relay.poll-interval must be between 1ms and 1m, was 2m");
    assertInvalid(
        b -> b.pollInterval(null),
        "outbox.relay.poll-interval",
        "outbox.relay.poll-interval must be between 1ms and 1m, was not set");
    assertInvalid(
        b -> b.sendTimeout(Duration.ofSeconds(30)),
        "outbox.relay.send-timeout",
        "outbox.relay.send-timeout (30s) must be shorter than outbox.relay.lease-duration (30s):"
            + " a lane's round has to finish within its lease");
    assertInvalid(
        b -> b.maxBlock(Duration.ofSeconds(11)),
        "outbox.relay.max-block",
        "outbox.relay.max-block (11s) must be at most two thirds of outbox.relay.send-timeout"
            + " (15s): a round's topic check and metadata wait have to fit in its send-timeout");
    assertThat(valid().maxBlock(Duration.ofSeconds(10)).build().maxBlock())
        .isEqualTo(Duration.ofSeconds(10));
    assertInvalid(
        b -> b.instanceId("x".repeat(201)),
        "outbox.relay.instance-id",
        "outbox.relay.instance-id must be 1 to 200 characters, was '" + "x".repeat(201) + "'");
    assertInvalid(
        b -> b.deadLetterTopic("bad topic!"),
        "outbox.relay.dead-letter-topic",
        "outbox.relay.dead-letter-topic 'bad topic!' is not a legal Kafka topic name: use only"
            + " ASCII letters, digits, '.', '_' and '-'");
    Map<String, String> withNull = new java.util.HashMap<>();
    withNull.put("linger.ms", null);
    assertThatThrownBy(() -> valid().kafkaProperties(withNull))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage(
            "outbox.relay.kafka.properties.linger.ms must have a value (null is not a producer"
                + " setting)");
  }

  @Test
  void blankMeansNotSet() {
    RelaySettings settings =
        valid().instanceId(" ").deadLetterTopic("").kafkaProperties(null).build();

    assertThat(settings.instanceId()).isNotBlank();
    assertThat(settings.deadLetterTopic()).isNull();
    assertThat(settings.kafka().properties()).isEmpty();
  }

  @Test
  void nestedPartsValidateTheirOwnFieldsWithTheFullPropertyPath() {
    assertThatThrownBy(() -> new RelaySettings.Backoff(Duration.ofSeconds(1), null, 2.0, 1.5))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("outbox.relay.backoff.max must be between 1ms and 1d, was not set");
    assertThatThrownBy(
            () ->
                new RelaySettings.Backoff(Duration.ofMinutes(10), Duration.ofMinutes(5), 2.0, 0.2))
        .hasMessage(
            "outbox.relay.backoff.max (5m) must not be below outbox.relay.backoff.initial (10m):"
                + " raise the longest wait or lower the first");
    assertThatThrownBy(
            () -> new RelaySettings.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 2.0, 1.5))
        .hasMessage("outbox.relay.backoff.jitter must be between 0.0 and 1.0, was 1.5");
    assertThatThrownBy(
            () ->
                new RelaySettings.Backoff(
                    Duration.ofSeconds(1), Duration.ofSeconds(2), Double.NaN, 0.2))
        .hasMessage("outbox.relay.backoff.multiplier must be between 1.0 and 10.0, was NaN");
    assertThatThrownBy(() -> new RelaySettings.Purge(Duration.ofMinutes(1), 0))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> {
              assertThat(e.property()).isEqualTo("outbox.relay.purge.batch-size");
              assertThat(e.environmentVariable()).isEqualTo("OUTBOX_RELAY_PURGE_BATCH_SIZE");
            });
  }

  @Test
  void toStringIsTheWholeConfigurationWithCredentialsMasked() {
    RelaySettings settings =
        valid()
            .kafkaProperties(
                Map.of(
                    "sasl.jaas.config", "password=\"s3cret\"",
                    "ssl.truststore.password", "tr0st",
                    "compression.type", "lz4"))
            .deadLetterTopic("dlq")
            .build();

    assertThat(settings.toString())
        .startsWith("RelaySettings[outbox.relay.kafka.bootstrap-servers=kafka:9092, ")
        .contains(
            "outbox.relay.kafka.properties={compression.type=lz4, sasl.jaas.config=******,"
                + " ssl.truststore.password=******}")
        .contains("outbox.relay.dead-letter-topic=dlq", "outbox.relay.on-ack=mark-sent")
        .contains("outbox.relay.poll-interval=100ms", "outbox.relay.retention=7d")
        .contains("outbox.relay.backoff.multiplier=2.0", "outbox.relay.purge.batch-size=1000")
        .contains("outbox.relay.gauge-interval=10s", "outbox.relay.shutdown-timeout=20s")
        .contains("outbox.relay.max-block=2s", "outbox.relay.instance-id=")
        .contains("outbox.relay.batch-bytes=8MB", "outbox.relay.stall-timeout=2m")
        .doesNotContain("s3cret", "tr0st");
  }

  @Test
  void backoffGrowsExponentiallyUpToTheCapLessItsJitter() {
    RelaySettings.Backoff backoff =
        new RelaySettings.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.2);

    assertThat(backoff.delay(1, 0.0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(1, 0.99)).isEqualTo(Duration.ofMillis(802));
    assertThat(backoff.delay(4, 0.0)).isEqualTo(Duration.ofSeconds(8));
    assertThat(backoff.delay(4, 0.5)).isEqualTo(Duration.ofMillis(7200));
    assertThat(backoff.delay(30, 0.0)).isEqualTo(Duration.ofSeconds(60));
    assertThat(backoff.delay(0, 0.0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(backoff.delay(Integer.MAX_VALUE, 0.0)).isEqualTo(Duration.ofSeconds(60));
    assertThat(new RelaySettings.Backoff(Duration.ofMillis(1), Duration.ofMillis(1), 1.0, 1.0))
        .extracting(b -> b.delay(1, 0.999))
        .isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void messageFailuresAreDeadAtOnceEnvironmentFailuresUseNoAttemptOthersCount() {
    FailurePolicy policy = new FailurePolicy(5, RelaySettings.Backoff.DEFAULT);
    FailurePolicy.Decision dead = FailurePolicy.Decision.DEAD;
    FailurePolicy.Decision defer = FailurePolicy.Decision.DEFER;

    // the message itself: DEAD on the first failure
    assertThat(policy.decide(new RecordTooLargeException("big"), 0)).isEqualTo(dead);
    assertThat(policy.decide(new SerializationException("x"), 0)).isEqualTo(dead);
    assertThat(policy.decide(new InvalidTopicException("bad name"), 0)).isEqualTo(dead);
    assertThat(policy.decide(new UnpublishableMessageException("headers"), 0)).isEqualTo(dead);
    // its environment: put off, whatever the attempts so far
    assertThat(policy.decide(new TopicAuthorizationException("no ACL"), 99)).isEqualTo(defer);
    assertThat(policy.decide(new UnknownTopicOrPartitionException("missing"), 99)).isEqualTo(defer);
    assertThat(policy.decide(new TimeoutException("not present in metadata"), 99)).isEqualTo(defer);
    assertThat(policy.decide(new java.util.concurrent.TimeoutException("no ack"), 99))
        .isEqualTo(defer);
    assertThat(policy.decide(new RoundTimeUsedUpException(15_000), 99)).isEqualTo(defer);
    // anything else counts
    assertThat(policy.decide(new KafkaException("odd"), 3)).isEqualTo(FailurePolicy.Decision.RETRY);
    assertThat(policy.decide(new KafkaException("odd"), 4)).isEqualTo(dead);
    assertThat(policy.backoff(1)).isBetween(Duration.ofMillis(800), Duration.ofSeconds(1));
  }

  /**
   * The relay sets its producer's delivery.timeout.ms to its send-timeout: a request.timeout.ms (or
   * linger.ms) that does not fit is named, with the send-timeout, rather than Kafka's rule about a
   * delivery.timeout.ms the user cannot set.
   */
  @Test
  void aProducerTimeoutThatDoesNotFitTheSendTimeoutIsNamed() {
    RelaySettings settings =
        valid()
            .sendTimeout(java.time.Duration.ofSeconds(15))
            .kafkaProperties(java.util.Map.of("request.timeout.ms", "20000"))
            .build();
    assertThatThrownBy(() -> RelayProducer.config(settings))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e ->
                assertThat(e.property())
                    .isEqualTo("outbox.relay.kafka.properties.request.timeout.ms"))
        .hasMessageContaining("(20001 ms) must fit in the producer's delivery.timeout.ms, 15000 ms")
        .hasMessageContaining("outbox.relay.send-timeout");
    assertThat(
            RelayProducer.config(
                valid()
                    .kafkaProperties(java.util.Map.of("acks", "1", "enable.idempotence", "false"))
                    .build()))
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", true);
  }
}
