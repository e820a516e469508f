package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.Delegation;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One transaction with many messages: the fast path publishes it in bounded rounds (rows and bytes,
 * as the relay does), so no statement grows with the transaction (a 100,000-id IN list failed with
 * server-side prepares and took ~400 MiB of the service's heap).
 */
class LargeTransactionIntegrationTests {
  private static final int MESSAGES = 3_000;
  private static final byte[] PAYLOAD = new byte[4 * 1024];

  private final AtomicInteger mostParameters = new AtomicInteger();
  private OutboxFixture fixture;

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void theFastPathPublishesALargeTransactionInBoundedRoundsAndDeliversAllOfIt() {
    fixture = new OutboxFixture(OutboxFixture.withFastPath(), this::watchStatements);
    Outbox outbox = fixture.bean(Outbox.class);
    TransactionTemplate tx =
        new TransactionTemplate(fixture.bean(PlatformTransactionManager.class));

    tx.executeWithoutResult(
        status -> {
          for (int i = 0; i < MESSAGES; i++) {
            outbox.send(
                OutboxMessage.builder(fixture.topic)
                    .key("k" + i % 50)
                    .payload(PAYLOAD)
                    .reference(1, "large-" + i)
                    .build());
          }
        });

    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                fixture.count(
                        "SELECT COUNT(*) FROM t_msg WHERE status = ?", MessageStatus.SENT.code())
                    == MESSAGES);
    // the largest: the ordering guard's, with a round's keys and ids (at most 500 each)
    assertThat(mostParameters.get()).isBetween(1, 2 * 500 + 10);
  }

  /** {@code dataSource}, noting the most parameters any statement prepared on it carries. */
  private DataSource watchStatements(DataSource dataSource) {
    return (DataSource)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = Delegation.invoke(dataSource, method, args);
              return result instanceof Connection connection ? watch(connection) : result;
            });
  }

  private Connection watch(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().startsWith("prepare")
                  && args != null
                  && args[0] instanceof String sql) {
                int parameters = (int) sql.chars().filter(c -> c == '?').count();
                mostParameters.accumulateAndGet(parameters, Math::max);
              }
              return Delegation.invoke(connection, method, args);
            });
  }
}
