package dev.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time of the three processes sharing the machine, read from {@code /proc/<pid>/stat}: this JVM
 * (relay, writers, consumer), the MariaDB server and the Kafka broker (both children of this JVM).
 * Phases report it as cores used over their wall time: it shows where the time goes.
 */
final class Cpu {
  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ, 100 on Linux x86-64

  private final Map<String, Long> pids = new LinkedHashMap<>();

  Cpu() {
    pids.put("bench JVM", ProcessHandle.current().pid());
    ProcessHandle.current()
        .descendants()
        .forEach(
            process -> {
              String command = process.info().command().orElse("");
              // ProcessHandle.Info drops the arguments of long command lines: read them directly
              String arguments = commandLine(process.pid());
              if (command.endsWith("mariadbd")) {
                pids.put("MariaDB", process.pid());
              } else if (arguments.contains("kafka.Kafka")) {
                pids.put("Kafka", process.pid());
              }
            });
  }

  private static String commandLine(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  String processes() {
    StringBuilder text = new StringBuilder();
    pids.forEach(
        (name, pid) -> text.append(text.length() == 0 ? "" : ", ").append(name + " pid " + pid));
    return text.toString();
  }

  /** CPU seconds so far per process, and the wall clock. */
  Snapshot snapshot() {
    Map<String, Double> seconds = new LinkedHashMap<>();
    pids.forEach((name, pid) -> cpuSeconds(pid).ifPresent(s -> seconds.put(name, s)));
    return new Snapshot(System.nanoTime(), seconds);
  }

  private static Optional<Double> cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return Optional.of(ticks / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  record Snapshot(long nanos, Map<String, Double> cpuSeconds) {
    /** CPU seconds each process used between {@code start} and this snapshot. */
    private Map<String, Double> usedSince(Snapshot start) {
      Map<String, Double> used = new LinkedHashMap<>();
      for (Map.Entry<String, Double> entry : cpuSeconds.entrySet()) {
        Double before = start.cpuSeconds.get(entry.getKey());
        if (before != null) {
          used.put(entry.getKey(), entry.getValue() - before);
        }
      }
      return used;
    }

    /** "bench JVM 0.91, MariaDB 0.85, Kafka 0.12 cores (of 2)" between then and now. */
    String coresSince(Snapshot start) {
      double wall = (nanos - start.nanos) / 1e9;
      Map<String, Double> used = usedSince(start);
      return describe(used, seconds -> seconds / wall, "%.2f")
          + String.format(
              " cores (sum %.2f of %d)",
              used.values().stream().mapToDouble(s -> s / wall).sum(),
              Runtime.getRuntime().availableProcessors());
    }

    /** "bench JVM 41 ms, MariaDB 80 ms, Kafka 9 ms (sum 130 ms)": CPU time per 1,000 messages. */
    String perThousandSince(Snapshot start, long messages) {
      Map<String, Double> used = usedSince(start);
      java.util.function.DoubleUnaryOperator perThousand = seconds -> seconds * 1e6 / messages;
      return describe(used, perThousand, "%.0f ms")
          + String.format(
              " (sum %.0f ms)",
              used.values().stream().mapToDouble(perThousand::applyAsDouble).sum());
    }

    private static String describe(
        Map<String, Double> used, java.util.function.DoubleUnaryOperator scale, String format) {
      StringBuilder text = new StringBuilder();
      used.forEach(
          (process, seconds) ->
              text.append(text.length() == 0 ? "" : ", ")
                  .append(process)
                  .append(' ')
                  .append(String.format(format, scale.applyAsDouble(seconds))));
      return text.toString();
    }
  }
}
