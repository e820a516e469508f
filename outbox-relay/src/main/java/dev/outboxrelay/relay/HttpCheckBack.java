package dev.outboxrelay.relay;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks the business service's check-back endpoint (docs/message-store.md, "The check-back"): {@code
 * POST} of {@code {"busMsgIds": [...]}}, answered {@code 200} with {@code {"found": [...]}}.
 * Anything else (another status, a malformed body, an id in the answer that was not asked about, a
 * body over {@value #MAX_BODY_BYTES} bytes, no whole answer within the request timeout) is no
 * answer.
 */
final class HttpCheckBack implements CheckBackSource {
  // 1,000 ids of 64 characters, quoted, with room to spare
  static final int MAX_BODY_BYTES = 1024 * 1024;

  private final URI url;
  private final Duration timeout;
  private final HttpClient client;
  private final JsonMapper json = JsonMapper.builder().build();

  HttpCheckBack(URI url, Duration timeout) {
    this.url = url;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  // The service answers from the database it writes its business transactions to.
  @Override
  public Answer ask(List<String> busMsgIds) {
    return new Answer(committed(busMsgIds), null);
  }

  private Set<String> committed(List<String> busMsgIds) {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    json.writeValueAsString(Map.of("busMsgIds", busMsgIds))))
            .build();
    // The whole exchange, body included, within the request timeout: a body that trickles or
    // never ends is no answer, as a silent endpoint is.
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request, info -> limited(MAX_BODY_BYTES));
    HttpResponse<byte[]> response;
    try {
      response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new IllegalStateException(
          "check-back endpoint " + url + " did not answer within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "check-back endpoint " + url + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + url, e);
    }
    if (response.statusCode() != 200) {
      // the status only: an error body may hold anything, secrets included
      throw new IllegalStateException(
          "check-back endpoint " + url + " answered " + response.statusCode());
    }
    return found(new String(response.body(), StandardCharsets.UTF_8), Set.copyOf(busMsgIds));
  }

  /** Collects a body of at most {@code max} bytes; a longer one fails the exchange. */
  static HttpResponse.BodySubscriber<byte[]> limited(int max) {
    HttpResponse.BodySubscriber<byte[]> bytes = HttpResponse.BodySubscribers.ofByteArray();
    return new HttpResponse.BodySubscriber<>() {
      private Flow.@Nullable Subscription subscription;
      private long received;
      private boolean failed;

      @Override
      public CompletionStage<byte[]> getBody() {
        return bytes.getBody();
      }

      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        bytes.onSubscribe(subscription);
      }

      @Override
      public void onNext(List<ByteBuffer> items) {
        if (failed) {
          return;
        }
        for (ByteBuffer item : items) {
          received += item.remaining();
        }
        if (received > max) {
          failed = true;
          if (subscription != null) {
            subscription.cancel();
          }
          bytes.onError(new IOException("answer longer than " + max + " bytes"));
          return;
        }
        bytes.onNext(items);
      }

      @Override
      public void onError(Throwable error) {
        if (!failed) {
          bytes.onError(error);
        }
      }

      @Override
      public void onComplete() {
        if (!failed) {
          bytes.onComplete();
        }
      }
    };
  }

  private Set<String> found(String body, Set<String> asked) {
    JsonNode found;
    try {
      found = json.readTree(body).get("found");
    } catch (JacksonException e) {
      throw new IllegalStateException("check-back endpoint " + url + " answered malformed JSON", e);
    }
    if (found == null || !found.isArray()) {
      throw new IllegalStateException(
          "check-back endpoint " + url + " answered without a \"found\" array");
    }
    java.util.HashSet<String> ids = new java.util.HashSet<>();
    for (JsonNode id : found) {
      if (!id.isString() || !asked.contains(id.asString())) {
        // an answer about something not asked is not an answer to this question
        throw new IllegalStateException(
            "check-back endpoint " + url + " answered an id that was not asked about");
      }
      ids.add(id.asString());
    }
    return ids;
  }

  @Override
  public String describe() {
    return url.toString();
  }
}
