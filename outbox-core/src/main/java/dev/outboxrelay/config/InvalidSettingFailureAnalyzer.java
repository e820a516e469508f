package dev.outboxrelay.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an {@link InvalidSettingException} anywhere in a failed start-up into Spring Boot's
 * "APPLICATION FAILED TO START" report: the description is the validation's one line, the action
 * names the property and its environment variable; no stack trace of bean creation exceptions.
 * Registered in {@code META-INF/spring.factories}; Spring Boot is optional for this module, and
 * only Boot reads that file.
 */
final class InvalidSettingFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSettingException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidSettingException cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Correct the setting "
            + cause.property()
            + " (environment variable "
            + cause.environmentVariable()
            + ") and start again.",
        cause);
  }
}
