package dev.outboxrelay.internal;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * A database refused at start-up ({@link DatabaseRefusedException}: a missing or old schema, an
 * unsupported product) reported in Spring Boot's "APPLICATION FAILED TO START" block, its message
 * as the description, instead of a stack trace with the message four causes deep.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class DatabaseRefusedFailureAnalyzer
    extends AbstractFailureAnalyzer<DatabaseRefusedException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, DatabaseRefusedException cause) {
    return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
  }
}
