package dev.outboxrelay.relay.boot;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Turns a relay setting that failed validation into Boot's "APPLICATION FAILED TO START" report
 * whose description is the validation's one line (e.g. {@code outbox.relay.batch-size must be
 * between 1 and 10000, was 0}) and whose action names the property and its environment variable,
 * instead of a stack trace of bean creation exceptions.
 */
final class RelayConfigurationFailureAnalyzer implements FailureAnalyzer {

  private static final String PREFIX = "outbox.relay.";
  private static final Pattern PROPERTY = Pattern.compile("outbox\\.relay\\.[a-z0-9.-]*[a-z0-9]");

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = next(cause, failure)) {
      String message = cause.getMessage();
      if ((cause instanceof IllegalArgumentException || cause instanceof NullPointerException)
          && message != null
          && message.startsWith(PREFIX)) {
        Matcher property = PROPERTY.matcher(message);
        String name = property.lookingAt() ? property.group() : PREFIX + "*";
        return new FailureAnalysis(
            message,
            "Correct the relay setting "
                + name
                + " (environment variable "
                + environmentVariable(name)
                + ") and start again.",
            cause);
      }
    }
    return null;
  }

  private static Throwable next(Throwable cause, Throwable first) {
    Throwable next = cause.getCause();
    return next == cause || next == first ? null : next;
  }

  /** The environment variable Spring Boot binds to a property, as the docs write it. */
  static String environmentVariable(String property) {
    // outbox.relay.batch-size -> OUTBOX_RELAY_BATCH_SIZE (Boot also takes OUTBOX_RELAY_BATCHSIZE)
    return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
