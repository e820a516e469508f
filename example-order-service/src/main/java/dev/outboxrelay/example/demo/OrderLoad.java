package dev.outboxrelay.example.demo;

import dev.outboxrelay.example.orders.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plays the order script against each stack over HTTP (until {@code stop} says so), the same orders
 * in the same order on the same schedule ({@code rate} orders per second per stack), each stack
 * with {@code clients} concurrent clients of its own, and counts the answers.
 */
final class OrderLoad {
  private static final Logger log = LoggerFactory.getLogger(OrderLoad.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The answers one stack gave. */
  record Answers(long created, long failedOnPurpose, long kafkaDown, long otherErrors) {}

  private OrderLoad() {}

  /**
   * Runs the script to its end against every stack at once; returns each stack's answers.
   *
   * @param start when order 0 is due ({@link System#nanoTime()}); order {@code i} is due {@code i /
   *     rate} seconds later, or at once by a client that fell behind
   */
  static Map<ServiceStack, Answers> run(
      List<ServiceStack> stacks,
      List<ScriptedOrder> script,
      int clients,
      double rate,
      long start,
      java.util.function.BooleanSupplier stop,
      Progress progress) {
    Map<ServiceStack, Tally> tallies = new LinkedHashMap<>();
    List<Thread> threads = new ArrayList<>();
    for (ServiceStack stack : stacks) {
      Tally tally = new Tally();
      tallies.put(stack, tally);
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      String orderUrl = stack.orderUrl();
      AtomicInteger next = new AtomicInteger();
      for (int c = 0; c < clients; c++) {
        Thread client =
            new Thread(
                () -> {
                  for (int i = next.getAndIncrement();
                      i < script.size() && !stop.getAsBoolean();
                      i = next.getAndIncrement()) {
                    long due = start + (long) (i * 1e9 / rate);
                    for (long wait = due - System.nanoTime();
                        wait > 0;
                        wait = due - System.nanoTime()) {
                      LockSupport.parkNanos(wait);
                    }
                    tally.count(place(http, orderUrl, script.get(i)));
                    progress.step();
                  }
                },
                "demo-client-" + stack.publishing.name().toLowerCase() + "-" + c);
        threads.add(client);
        client.start();
      }
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while placing orders", e);
      }
    }
    Map<ServiceStack, Answers> answers = new LinkedHashMap<>();
    tallies.forEach((stack, tally) -> answers.put(stack, tally.answers()));
    return answers;
  }

  /** {@code POST /orders}: returns the status code, or -1 when there was no answer. */
  private static int place(HttpClient http, String baseUrl, ScriptedOrder order) {
    String query = order.fault() == Fault.NONE ? "" : "?fail=" + order.fault().parameter();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + "/orders" + query))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    JSON.writeValueAsBytes(
                        Map.of("userId", order.userId(), "amount", order.amount()))))
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      log.warn("POST {} got no answer: {}", request.uri(), e.toString());
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static final class Tally {
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong failedOnPurpose = new AtomicLong();
    private final AtomicLong kafkaDown = new AtomicLong();
    private final AtomicLong otherErrors = new AtomicLong();

    void count(int status) {
      switch (status) {
        case 201 -> created.incrementAndGet();
        case 500 -> failedOnPurpose.incrementAndGet();
        case 503 -> kafkaDown.incrementAndGet();
        default -> otherErrors.incrementAndGet();
      }
    }

    Answers answers() {
      return new Answers(created.get(), failedOnPurpose.get(), kafkaDown.get(), otherErrors.get());
    }
  }
}
