package dev.outboxrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time of the three processes sharing the machine, read from {@code /proc/<pid>/stat}: this JVM
 * (relay, writers, consumer), the MariaDB server and the Kafka broker (both children of this JVM).
 * This JVM's JIT compiler threads ({@code /proc/self/task/<tid>/stat} of the threads named {@code
 * C1/C2 CompilerThread…}) are counted apart as "JIT": a system's first drain in this JVM compiles
 * its code while it runs, a cost a long-running relay pays once, not per message. Phases report it
 * as cores used over their wall time: it shows where the time goes.
 */
final class Cpu {
  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ, 100 on Linux x86-64

  static final String JVM = "bench JVM";
  static final String JIT = "JIT";
  static final String MARIADB = "MariaDB";

  private final Map<String, Long> pids = new LinkedHashMap<>();

  /** JVMs whose JIT compiler threads are counted apart, as "{name} JIT" ("JIT" for this one). */
  private final Map<String, String> jitNames = new LinkedHashMap<>();

  Cpu() {
    pids.put(JVM, ProcessHandle.current().pid());
    jitNames.put(JVM, JIT);
    ProcessHandle.current()
        .descendants()
        .forEach(
            process -> {
              String command = process.info().command().orElse("");
              // ProcessHandle.Info drops the arguments of long command lines: read them directly
              String arguments = commandLine(process.pid());
              if (command.endsWith("mariadbd")) {
                pids.put(MARIADB, process.pid());
              } else if (arguments.contains("kafka.Kafka")) {
                pids.put("Kafka", process.pid());
              }
            });
  }

  private Cpu(Cpu base, String name, long pid) {
    pids.putAll(base.pids);
    jitNames.putAll(base.jitNames);
    pids.put(name, pid);
    jitNames.put(name, name + " JIT");
  }

  /** This meter and another JVM, {@code name}, whose JIT is counted apart too. */
  Cpu withJvm(String name, long pid) {
    return new Cpu(this, name, pid);
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

  /**
   * CPU seconds so far per process (a JVM without its JIT compiler, then its JIT), and the wall
   * clock.
   */
  Snapshot snapshot() {
    Map<String, Double> seconds = new LinkedHashMap<>();
    pids.forEach(
        (name, pid) -> {
          Path proc = Path.of("/proc", Long.toString(pid));
          cpuSeconds(proc.resolve("stat"))
              .ifPresent(
                  total -> {
                    String jitName = jitNames.get(name);
                    if (jitName == null) {
                      seconds.put(name, total);
                    } else {
                      double jit = jitSeconds(proc);
                      seconds.put(name, total - jit);
                      seconds.put(jitName, jit);
                    }
                  });
        });
    return new Snapshot(System.nanoTime(), seconds);
  }

  /** CPU seconds of a JVM's JIT compiler threads so far. */
  private static double jitSeconds(Path proc) {
    double seconds = 0;
    try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String name = threadName(task);
        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
          seconds += cpuSeconds(task.resolve("stat")).orElse(0.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0; // threads come and go; a missed one only moves its time back to the JVM's
    }
    return seconds;
  }

  private static String threadName(Path task) {
    try {
      return Files.readString(task.resolve("comm")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static Optional<Double> cpuSeconds(Path stat) {
    try {
      String text = Files.readString(stat);
      // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15
      String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
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

    /** CPU milliseconds per 1,000 messages of each process since {@code start}. */
    Map<String, Double> perThousandSince(Snapshot start, long messages) {
      Map<String, Double> perThousand = new LinkedHashMap<>();
      usedSince(start)
          .forEach((process, seconds) -> perThousand.put(process, seconds * 1e6 / messages));
      return perThousand;
    }

    /** "bench JVM 41 ms, JIT 3 ms, MariaDB 80 ms, Kafka 9 ms (sum 133 ms)". */
    static String describePerThousand(Map<String, Double> perThousand) {
      return describe(perThousand, ms -> ms, "%.0f ms")
          + String.format(
              " (sum %.0f ms)", perThousand.values().stream().mapToDouble(ms -> ms).sum());
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
