package dev.outboxrelay.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Kafka broker's classpath, written at build time by maven-dependency-plugin. Kept apart from
 * the test classpath: the broker's Scala, Jackson 2 and log4j2 must not meet the tests' libraries.
 */
final class BrokerClasspath {

  /** compile + provided scope: kafka_2.13, log4j2 and what they share with this library. */
  private static final String COMPILE_AND_PROVIDED = "kafka-broker.classpath";

  /** runtime scope: kafka-clients' compression codecs, which the broker needs to validate. */
  private static final String RUNTIME = "kafka-broker-runtime.classpath";

  private BrokerClasspath() {}

  static String load() {
    Set<String> entries = new LinkedHashSet<>();
    entries.addAll(read(COMPILE_AND_PROVIDED));
    entries.addAll(read(RUNTIME));
    List<String> missing =
        entries.stream()
            .filter(entry -> !Files.exists(Path.of(entry)))
            .collect(Collectors.toList());
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "The Kafka broker classpath names files that do not exist (was outbox-test-support built"
              + " on another machine or the local Maven repository cleaned?): "
              + missing);
    }
    return String.join(File.pathSeparator, entries);
  }

  private static List<String> read(String resource) {
    try (InputStream in = BrokerClasspath.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "Missing resource dev/outboxrelay/testsupport/"
                + resource
                + ": the outbox-test-support build writes it (maven-dependency-plugin"
                + " build-classpath in generate-resources); rebuild that module");
      }
      String classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      return List.of(classpath.split(File.pathSeparator)).stream()
          .map(String::trim)
          .filter(entry -> !entry.isEmpty())
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + resource, e);
    }
  }
}
