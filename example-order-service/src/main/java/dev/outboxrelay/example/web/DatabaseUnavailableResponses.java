package dev.outboxrelay.example.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedRuntimeException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The example services' answer when their database fails (no connection within the pool's timeout,
 * no transaction, a failed statement): a {@code 503} problem; whatever the request's transaction
 * wrote was rolled back. Imported by both applications.
 */
@RestControllerAdvice
public class DatabaseUnavailableResponses {
  private static final Logger log = LoggerFactory.getLogger(DatabaseUnavailableResponses.class);

  @ExceptionHandler({DataAccessException.class, TransactionException.class})
  ProblemDetail databaseFailed(NestedRuntimeException e) {
    log.warn("request failed on the database: {}", e.getMostSpecificCause().toString());
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.SERVICE_UNAVAILABLE, "the database is unavailable; try again later");
    problem.setTitle("Database unavailable");
    return problem;
  }
}
