package dev.outboxrelay.relay;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks the business service's check-back endpoint (README, "Check-back"): {@code POST} of {@code
 * {"busMsgIds": [...]}}, answered {@code 200} with {@code {"found": [...]}}. Anything else (another
 * status, a malformed body, an id in the answer that was not asked about, no answer within the
 * request timeout) is no answer.
 */
final class HttpCheckBack implements CheckBackSource {
  private static final int MAX_DETAIL = 200;

  private final URI url;
  private final Duration timeout;
  private final HttpClient client;
  private final JsonMapper json = JsonMapper.builder().build();

  HttpCheckBack(URI url, Duration timeout) {
    this.url = url;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Set<String> committed(List<String> busMsgIds) {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    json.writeValueAsString(Map.of("busMsgIds", busMsgIds))))
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("check-back endpoint " + url + " unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + url, e);
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "check-back endpoint " + url + " answered " + response.statusCode() + detail(response));
    }
    return found(response.body(), Set.copyOf(busMsgIds));
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

  private static String detail(HttpResponse<String> response) {
    String body = response.body() == null ? "" : response.body().strip();
    if (body.isEmpty()) {
      return "";
    }
    return ": " + (body.length() > MAX_DETAIL ? body.substring(0, MAX_DETAIL) + "..." : body);
  }

  @Override
  public String describe() {
    return url.toString();
  }
}
