package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two services, each with its own database and relay, publish to one topic (issue "Field round 3",
 * kind 1): their rows' local ids are the same numbers, yet every record's {@code outbox-id} is its
 * own, so that a consumer deduping on it drops no message of the other service.
 */
class SeveralServicesOneTopicIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(60);

  @RegisterExtension final RelayFixture fixture = new RelayFixture(3);

  @Test
  void twoServicesOnOneTopicNeverShareAMessageId() {
    try (TestDatabase other = TestServers.database().createDatabase("second_service");
        TopicReader reader =
            TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      other.runScript(RelayFixture.SCHEMA);
      RelayFixture.Writer first = fixture.writer(false);
      RelayFixture.Writer second = fixture.writerOn(other.dataSource());
      for (int i = 0; i < 100; i++) {
        first.send("customer-" + (i % 10), "first-" + i);
        second.send("customer-" + (i % 10), "second-" + i);
      }
      fixture.startRelay(p -> p.instanceId("first-relay"));
      fixture.startRelay(other.dataSource(), p -> p.instanceId("second-relay"));

      List<Received> received = reader.awaitCount(200, DELIVERY);

      JdbcTemplate otherJdbc = new JdbcTemplate(other.dataSource());
      // the premise: the two databases numbered their rows alike
      assertThat(otherJdbc.queryForList("SELECT id FROM t_msg", Long.class))
          .containsExactlyInAnyOrderElementsOf(
              fixture.jdbc.queryForList("SELECT id FROM t_msg", Long.class));
      assertThat(received.stream().map(Received::value).collect(Collectors.toSet())).hasSize(200);
      Set<String> ids = received.stream().map(Received::outboxId).collect(Collectors.toSet());
      assertThat(ids).hasSize(200);
      Set<String> stored =
          new HashSet<>(fixture.jdbc.queryForList("SELECT msg_id FROM t_msg", String.class));
      stored.addAll(otherJdbc.queryForList("SELECT msg_id FROM t_msg", String.class));
      assertThat(ids).isEqualTo(stored);
      assertThat(ids).allSatisfy(id -> assertThat(UUID.fromString(id).version()).isEqualTo(7));
    }
  }
}
