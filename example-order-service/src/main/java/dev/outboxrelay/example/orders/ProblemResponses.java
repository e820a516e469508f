package dev.outboxrelay.example.orders;

import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Errors as RFC 9457 problem details ({@code application/problem+json}). A 400 names each bad field
 * in {@code errors: [{"field": ..., "message": ...}]} and in its {@code detail}; no error shows a
 * request's values or a stack trace.
 */
@RestControllerAdvice
class ProblemResponses extends ResponseEntityExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    List<OrderController.FieldError> errors =
        e.getBindingResult().getFieldErrors().stream()
            .map(
                error ->
                    new OrderController.FieldError(error.getField(), error.getDefaultMessage()))
            .sorted(java.util.Comparator.comparing(OrderController.FieldError::field))
            .toList();
    return badRequest(errors, headers, request);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    return badRequest(List.of(unreadable(e)), headers, request);
  }

  /** Which field of an unreadable body is wrong, and how, without echoing its value. */
  private static OrderController.FieldError unreadable(HttpMessageNotReadableException e) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof UnrecognizedPropertyException unknown) {
        return new OrderController.FieldError(unknown.getPropertyName(), "unknown field");
      }
      if (cause instanceof StreamReadException malformed) {
        return new OrderController.FieldError(
            "body",
            "malformed JSON at line "
                + malformed.getLocation().getLineNr()
                + ", column "
                + malformed.getLocation().getColumnNr());
      }
      if (cause instanceof JacksonException mismatch && !mismatch.getPath().isEmpty()) {
        String field =
            mismatch.getPath().stream()
                .map(
                    ref ->
                        ref.getPropertyName() != null
                            ? ref.getPropertyName()
                            : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        return new OrderController.FieldError(field, "has the wrong type");
      }
    }
    return new OrderController.FieldError(
        "body", "must be a JSON object such as {\"userId\": \"u-1\", \"amount\": 12.50}");
  }

  private ResponseEntity<Object> badRequest(
      List<OrderController.FieldError> errors, HttpHeaders headers, WebRequest request) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            errors.stream()
                .map(error -> error.field() + ": " + error.message())
                .collect(Collectors.joining("; ")));
    problem.setTitle("Invalid order");
    problem.setProperty("errors", errors);
    return handleExceptionInternal(
        new IllegalArgumentException(problem.getDetail()),
        problem,
        headers,
        HttpStatus.BAD_REQUEST,
        request);
  }

  @ExceptionHandler(InjectedFaultException.class)
  ProblemDetail injectedFault(InjectedFaultException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
    problem.setTitle("Injected failure");
    return problem;
  }

  @ExceptionHandler(EventNotPublishedException.class)
  ProblemDetail eventNotPublished(EventNotPublishedException e) {
    log.warn("order not placed: {}", e.getMessage());
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.SERVICE_UNAVAILABLE, "Kafka is unavailable: the order was not placed");
    problem.setTitle("Kafka unavailable");
    return problem;
  }
}
