package dev.outboxrelay.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The relay jar ({@code outbox-relay/target/outbox-relay.jar}) started as operators run it: {@code
 * java [options] -jar}, a process of its own, configured by environment variables only.
 */
public final class RelayJarProcess {
  private RelayJarProcess() {}

  /**
   * Starts the jar with the connection settings of {@code database} and {@code bootstrapServers}
   * and its web server on 127.0.0.1, then {@code environment} (which may override any of them); its
   * output goes to {@code log} (a file, never a pipe: a full pipe would block the process).
   *
   * @param jvmOptions options before {@code -jar}, e.g. {@code -Xmx256m}
   * @throws IOException if the process cannot be started
   */
  public static Process start(
      Path jar,
      TestDatabase database,
      String bootstrapServers,
      List<String> jvmOptions,
      Map<String, String> environment,
      Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> variables = builder.environment();
    variables.put("SPRING_DATASOURCE_URL", database.jdbcUrl());
    variables.put("SPRING_DATASOURCE_USERNAME", database.username());
    variables.put("SPRING_DATASOURCE_PASSWORD", database.password());
    variables.put("OUTBOX_RELAY_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
    variables.put("SERVER_ADDRESS", "127.0.0.1");
    variables.putAll(environment);
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    return builder.start();
  }
}
