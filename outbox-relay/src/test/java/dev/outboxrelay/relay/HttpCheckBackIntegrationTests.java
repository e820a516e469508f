package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxrelay.PreparedMessage;
import dev.outboxrelay.internal.MessageStatus;
import dev.outboxrelay.testsupport.TestServers;
import dev.outboxrelay.testsupport.TopicReader;
import dev.outboxrelay.testsupport.TopicReader.Received;
import dev.outboxrelay.web.CheckBackController;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The HTTP check-back: the relay asks the business service's endpoint, here the ready-made {@link
 * CheckBackController} in a real Spring MVC application on the business database; the endpoint's
 * contract (docs/message-store.md, "The check-back"), and an endpoint that does not answer.
 */
class HttpCheckBackIntegrationTests {
  private static final Duration DELIVERY = Duration.ofSeconds(30);

  @RegisterExtension final RelayFixture fixture = new RelayFixture(3);

  private ConfigurableApplicationContext service;

  @AfterEach
  void stopService() {
    if (service != null) {
      service.close();
    }
  }

  /** The business service: Spring MVC, the check-back endpoint on its database. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class BusinessService {
    @Bean
    CheckBackController checkBackController(DataSource dataSource) {
      return new CheckBackController(dataSource);
    }
  }

  private URI startService() {
    var business = fixture.businessDatabase();
    service =
        new SpringApplicationBuilder(BusinessService.class)
            .properties(
                "server.port=0",
                "server.address=127.0.0.1",
                "spring.main.banner-mode=off",
                "spring.datasource.url=" + business.jdbcUrl(),
                "spring.datasource.username=" + business.username(),
                "spring.datasource.password=" + business.password(),
                "outbox.enabled=false")
            .run();
    int port = ((WebServerApplicationContext) service).getWebServer().getPort();
    return URI.create("http://127.0.0.1:" + port + "/outbox/check-back");
  }

  private static RelaySettings.CheckBack http(URI url) {
    return new RelaySettings.CheckBack(
        RelaySettings.CheckBack.Source.HTTP,
        url,
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Duration.ofSeconds(1),
        200,
        Duration.ofSeconds(2),
        Duration.ofSeconds(4));
  }

  private void recordCommitted(PreparedMessage message) {
    fixture.recordCommitted(message);
  }

  private void age(PreparedMessage message, Duration by) {
    fixture.age(message.messageId(), by);
  }

  @Test
  void theRelayAsksTheServicesEndpointAndDecidesFromItsAnswer() {
    URI endpoint = startService();
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage committed = writer.messageStore().prepare(writer.message("k1", "committed"));
    PreparedMessage rolledBack = writer.messageStore().prepare(writer.message("k2", "rolled back"));
    recordCommitted(committed);
    age(committed, Duration.ofSeconds(5));
    age(rolledBack, Duration.ofMinutes(1));
    try (TopicReader reader =
        TopicReader.fromNow(TestServers.kafka().bootstrapServers(), fixture.topic)) {
      fixture.startCheckBackRelay(settings -> settings.checkBack(http(endpoint)));

      List<Received> received = reader.awaitRefId(committed.refId(), DELIVERY);
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.status(rolledBack.messageId()) == MessageStatus.CANCELLED.code());
      assertThat(received).extracting(Received::value).containsExactly("committed");
      await()
          .atMost(DELIVERY)
          .until(() -> fixture.status(committed.messageId()) == MessageStatus.SENT.code());
    }
  }

  @Test
  void theEndpointAnswersOnlyWellFormedQuestions() throws Exception {
    URI endpoint = startService();
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage committed = writer.messageStore().prepare(writer.message("k", "v"));
    recordCommitted(committed);
    HttpClient client = HttpClient.newHttpClient();

    HttpResponse<String> found =
        post(client, endpoint, "{\"busMsgIds\":[\"" + committed.busMsgId() + "\",\"unknown\"]}");
    assertThat(found.statusCode()).isEqualTo(200);
    assertThat(found.body()).isEqualTo("{\"found\":[\"" + committed.busMsgId() + "\"]}");

    String tooMany =
        IntStream.range(0, CheckBackController.MAX_IDS + 1)
            .mapToObj(i -> "\"id-" + i + "\"")
            .collect(java.util.stream.Collectors.joining(",", "{\"busMsgIds\":[", "]}"));
    for (String bad :
        List.of(
            "{\"busMsgIds\":[]}",
            "{}",
            "not json",
            "{\"busMsgIds\":[\"" + "x".repeat(65) + "\"]}",
            tooMany)) {
      HttpResponse<String> refused = post(client, endpoint, bad);
      assertThat(refused.statusCode()).as(bad.length() > 80 ? "1001 ids" : bad).isEqualTo(400);
    }
    assertThat(post(client, endpoint, "{}").body()).contains("busMsgIds must hold 1 to 1000 ids");
  }

  @Test
  void anEndpointThatDoesNotAnswerDecidesNothing() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    URI nobody = URI.create("http://127.0.0.1:" + closedPort + "/outbox/check-back");
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage old = writer.messageStore().prepare(writer.message("k", "old"));
    age(old, Duration.ofMinutes(5));
    OutboxRelay relay = fixture.checkBackRelay(settings -> settings.checkBack(http(nobody)));

    relay.checkBack().run();

    assertThat(fixture.status(old.messageId())).isEqualTo(MessageStatus.PREPARED.code());
    assertThat(fixture.meters.get(CheckBack.FAILURES).counter().count()).isEqualTo(1);
  }

  @Test
  void anAnswerThatTricklesOrNeverEndsIsNoAnswerWithinTheRequestTimeout() throws Exception {
    RelayFixture.Writer writer = fixture.messageStoreWriter(false);
    PreparedMessage old = writer.messageStore().prepare(writer.message("k", "old"));
    age(old, Duration.ofMinutes(5));
    // an endpoint that answers 200 and then sends its body a byte a second, or 2 MiB of it
    com.sun.net.httpserver.HttpServer endpoint =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    endpoint.createContext(
        "/slow",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          try (var body = exchange.getResponseBody()) {
            for (int i = 0; i < 60; i++) {
              body.write('{');
              body.flush();
              Thread.sleep(1000);
            }
          } catch (InterruptedException | java.io.IOException e) {
            // the relay hung up
          }
        });
    endpoint.createContext(
        "/huge",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          try (var body = exchange.getResponseBody()) {
            body.write(("{\"found\":[\"" + "x".repeat(2 * 1024 * 1024) + "\"]}").getBytes());
          } catch (java.io.IOException e) {
            // the relay hung up
          }
        });
    endpoint.start();
    try {
      for (String path : List.of("/slow", "/huge")) {
        URI url = URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort() + path);
        OutboxRelay relay = fixture.checkBackRelay(settings -> settings.checkBack(http(url)));
        long started = System.nanoTime();
        relay.checkBack().run();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).as(path).isLessThan(Duration.ofSeconds(10)); // request timeout 2 s
        assertThat(fixture.status(old.messageId())).isEqualTo(MessageStatus.PREPARED.code());
      }
      assertThat(fixture.meters.get(CheckBack.FAILURES).counter().count()).isEqualTo(2);
    } finally {
      endpoint.stop(0);
    }
  }

  private static HttpResponse<String> post(HttpClient client, URI endpoint, String body)
      throws Exception {
    return client.send(
        HttpRequest.newBuilder(endpoint)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
