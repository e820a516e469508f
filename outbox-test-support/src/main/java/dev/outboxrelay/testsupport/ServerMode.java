package dev.outboxrelay.testsupport;

import java.util.Locale;

/** Which servers {@link TestServers} starts, chosen by the system property {@value #PROPERTY}. */
enum ServerMode {
  EMBEDDED("embedded"),
  TESTCONTAINERS("testcontainers");

  static final String PROPERTY = "outbox.test.servers";

  private final String propertyValue;

  ServerMode(String propertyValue) {
    this.propertyValue = propertyValue;
  }

  static ServerMode fromSystemProperties() {
    return parse(System.getProperty(PROPERTY));
  }

  /** Empty or missing means {@link #EMBEDDED}: the build passes the property through unset. */
  static ServerMode parse(String value) {
    if (value == null || value.isBlank()) {
      return EMBEDDED;
    }
    String normalized = value.trim().toLowerCase(Locale.ROOT);
    for (ServerMode mode : values()) {
      if (mode.propertyValue.equals(normalized)) {
        return mode;
      }
    }
    throw new IllegalStateException(
        "System property "
            + PROPERTY
            + "='"
            + value
            + "' is not supported; allowed values: embedded (the default), testcontainers");
  }

  /**
   * Testcontainers is an optional dependency of this library, so a module that switches to it must
   * declare it; say so instead of failing with a NoClassDefFoundError deep inside a test.
   */
  static void requireTestcontainersModule(String className, String artifactId) {
    try {
      Class.forName(className, false, ServerMode.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          PROPERTY
              + "=testcontainers needs org.testcontainers:"
              + artifactId
              + " on the test classpath (it is an optional dependency of outbox-test-support)",
          e);
    }
  }
}
