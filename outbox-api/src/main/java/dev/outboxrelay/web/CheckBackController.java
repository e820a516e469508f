package dev.outboxrelay.web;

import dev.outboxrelay.internal.MessageStoreDecisions;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Message-store mode's check-back endpoint, served by the business service: tells the relay which
 * business message ids a committed transaction recorded in {@code t_msg_order}.
 *
 * <p>Contract (docs/message-store.md, "The check-back"): {@code POST <path>} with {@code
 * Content-Type: application/json} and a body {@code {"busMsgIds": ["<id>", ...]}} (1 to {@value
 * #MAX_IDS} ids, each 1 to 64 characters) answers {@code 200} with {@code {"found": ["<id>",
 * ...]}}: those of the ids a {@code t_msg_order} row carries, whose business transaction therefore
 * committed. An id not found belongs to a transaction that rolled back or has not committed yet. A
 * malformed request gets {@code 400}; a database that cannot answer gets {@code 503}, and the relay
 * asks again later. The path is {@code outbox.check-back-endpoint.path}, default {@code
 * /outbox/check-back}.
 *
 * <p>Spring Boot registers it with {@code outbox.check-back-endpoint.enabled=true}; a plain Spring
 * MVC application declares it as a bean (why it is public). It reveals only whether ids the caller
 * already knows exist; still, serve it on an internal port or behind the service's authentication.
 */
@RestController
public class CheckBackController {
  private static final Logger log = LoggerFactory.getLogger(CheckBackController.class);

  /** The most ids one request may ask about. */
  public static final int MAX_IDS = 1000;

  private static final int MAX_ID_LENGTH = 64;

  private final MessageStoreDecisions business;

  /**
   * @param businessDataSource the business database, which holds {@code t_msg_order}
   */
  public CheckBackController(DataSource businessDataSource) {
    this.business = new MessageStoreDecisions(businessDataSource);
  }

  /**
   * Answers one check-back.
   *
   * @throws IllegalArgumentException if the request is malformed (answered {@code 400})
   */
  @PostMapping(
      path = "${outbox.check-back-endpoint.path:/outbox/check-back}",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  public Found checkBack(@RequestBody Question question) {
    List<String> ids = question.busMsgIds();
    if (ids == null || ids.isEmpty() || ids.size() > MAX_IDS) {
      throw new IllegalArgumentException(
          "busMsgIds must hold 1 to " + MAX_IDS + " ids, got " + (ids == null ? 0 : ids.size()));
    }
    for (String id : ids) {
      if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
        throw new IllegalArgumentException(
            "each business message id must have 1 to " + MAX_ID_LENGTH + " characters");
      }
    }
    Set<String> recorded = business.recordedBusMsgIds(ids);
    return new Found(ids.stream().filter(recorded::contains).distinct().toList());
  }

  @ExceptionHandler(IllegalArgumentException.class)
  ResponseEntity<ProblemDetail> badRequest(IllegalArgumentException e) {
    return ResponseEntity.badRequest()
        .body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage()));
  }

  @ExceptionHandler(DataAccessException.class)
  ResponseEntity<ProblemDetail> databaseUnavailable(DataAccessException e) {
    log.warn("check-back: the business database did not answer: {}", e.toString());
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(
            ProblemDetail.forStatusAndDetail(
                HttpStatus.SERVICE_UNAVAILABLE,
                "the business database did not answer; ask again later"));
  }

  /**
   * The relay's question.
   *
   * @param busMsgIds business message ids of PREPARED messages
   */
  public record Question(@Nullable List<String> busMsgIds) {}

  /**
   * The answer.
   *
   * @param found those of the ids whose business transaction committed
   */
  public record Found(List<String> found) {}
}
