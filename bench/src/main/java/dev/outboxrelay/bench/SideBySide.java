package dev.outboxrelay.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Phases [1], [1j], [1r] and [1d] side by side: the same 200,000-row backlog drained by the relay
 * (in this JVM, and as the jar in a process of its own), the bare batched loop and (with {@code
 * --debezium}) Debezium, {@code --repeat=N} times in turn on the same servers. The order rotates
 * each repetition (relay first, then the bare loop first, …), so each system drains first once in
 * three: the first drain of a system in this JVM also pays for compiling its code (the "JIT" CPU),
 * and no system always pays it. Prints each system's drain rate as median [min–max] over the
 * repetitions, its median CPU per 1,000 messages by process, and the relay's ratio to each other
 * system (ratio of the medians, and the ratios within each repetition).
 */
final class SideBySide {
  private SideBySide() {}

  /** One drain: its rate and CPU per 1,000 messages by process; null rate when it failed. */
  record Drain(double rate, Map<String, Double> cpuPerThousand, boolean complete) {}

  /** A system's drains, one per repetition (null where it failed or did not run). */
  record Runs(String system, List<Drain> drains) {
    double medianRate() {
      return median(drains.stream().filter(d -> d != null).mapToDouble(Drain::rate).toArray());
    }

    /** The fastest drain's rate (NaN when none completed). */
    double fastestRate() {
      return drains.stream()
          .filter(d -> d != null)
          .mapToDouble(Drain::rate)
          .max()
          .orElse(Double.NaN);
    }

    String rates() {
      double[] rates = drains.stream().filter(d -> d != null).mapToDouble(Drain::rate).toArray();
      if (rates.length == 0) {
        return "failed";
      }
      Arrays.sort(rates);
      return String.format(
          "%,.0f [%,.0f–%,.0f] msg/s", median(rates), rates[0], rates[rates.length - 1]);
    }

    /** Median CPU per 1,000 messages of each process, "bench JVM 9 ms, JIT 1 ms, …". */
    Map<String, Double> medianCpu() {
      Map<String, Double> medians = new LinkedHashMap<>();
      drains.stream()
          .filter(d -> d != null)
          .findFirst()
          .ifPresent(
              first ->
                  first
                      .cpuPerThousand()
                      .keySet()
                      .forEach(
                          process ->
                              medians.put(
                                  process,
                                  median(
                                      drains.stream()
                                          .filter(d -> d != null)
                                          .mapToDouble(
                                              d -> d.cpuPerThousand().getOrDefault(process, 0.0))
                                          .toArray()))));
      return medians;
    }

    boolean complete() {
      return drains.stream().allMatch(d -> d != null && d.complete());
    }
  }

  /** A drain phase; returns null when it failed (the phase runner printed why). */
  interface DrainPhase {
    Drain run(int repetition) throws Exception;
  }

  /**
   * Runs {@code phases} (relay first) {@code repeat} times, rotating their order.
   *
   * @param names one name per phase, same order
   * @param relays how many of the first phases are relays (the in-process one, the jar): the table
   *     gives the ratio of each of them to every system
   */
  static List<Runs> run(
      Bench bench, int repeat, List<String> names, List<DrainPhase> phases, int relays)
      throws Exception {
    List<List<Drain>> drains = new ArrayList<>();
    for (int i = 0; i < phases.size(); i++) {
      drains.add(new ArrayList<>());
    }
    for (int repetition = 0; repetition < repeat; repetition++) {
      if (repeat > 1) {
        bench.section("Side by side: repetition " + (repetition + 1) + " of " + repeat);
      }
      for (int k = 0; k < phases.size(); k++) {
        int phase = (k + repetition) % phases.size();
        drains.get(phase).add(phases.get(phase).run(repetition));
      }
    }
    List<Runs> runs = new ArrayList<>();
    for (int i = 0; i < phases.size(); i++) {
      runs.add(new Runs(names.get(i), drains.get(i)));
    }
    print(bench, repeat, runs, relays);
    return runs;
  }

  private static void print(Bench bench, int repeat, List<Runs> runs, int relays) {
    bench.section(
        "Side by side: the same backlog drained "
            + repeat
            + (repeat == 1 ? " time" : " times in turn")
            + " by each system (binary log as above)");
    StringBuilder header =
        new StringBuilder("| system | drain, median [min–max] | CPU per 1,000 messages (median) |");
    StringBuilder rule = new StringBuilder("|---|---|---|");
    for (int r = 0; r < relays; r++) {
      header.append(' ').append(runs.get(r).system().split(" ")[0]).append(" / system |");
      rule.append("---|");
    }
    bench.line("%s", header);
    bench.line("%s", rule);
    for (Runs system : runs) {
      StringBuilder row =
          new StringBuilder(
              String.format(
                  "| %s | %s | %s |",
                  system.system(),
                  system.rates(),
                  Cpu.Snapshot.describePerThousand(system.medianCpu())));
      for (int r = 0; r < relays; r++) {
        row.append(' ')
            .append(system == runs.get(r) ? "" : ratio(runs.get(r), system, repeat))
            .append(" |");
      }
      bench.line("%s", row);
    }
  }

  /** "**1.38×** (each: 0.98, 1.35, 1.51)": the ratio of the medians, and of each repetition. */
  private static String ratio(Runs relay, Runs system, int repeat) {
    StringBuilder each = new StringBuilder();
    for (int r = 0; r < repeat; r++) {
      Drain a = relay.drains().get(r);
      Drain b = system.drains().get(r);
      if (a != null && b != null) {
        each.append(each.length() == 0 ? "" : ", ")
            .append(String.format("%.2f", a.rate() / b.rate()));
      }
    }
    return String.format("**%.2f×**", relay.medianRate() / system.medianRate())
        + (repeat > 1 ? " (each: " + each + ")" : "");
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
}
