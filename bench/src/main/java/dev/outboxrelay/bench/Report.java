package dev.outboxrelay.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The results table printed at the end: one row per figure, with its target where there is one. */
final class Report {
  private final List<String[]> rows = new ArrayList<>();
  private final List<String> ratios = new ArrayList<>();
  private int missed;

  /** A figure; {@code met} is null when the figure has no target. */
  void add(String measurement, String result, String target, Boolean met) {
    rows.add(
        new String[] {
          measurement,
          result,
          target == null ? "" : target,
          met == null ? "" : met ? "yes" : "NO (missed)"
        });
    if (Boolean.FALSE.equals(met)) {
      missed++;
    }
  }

  /** A summary line; dropped when its figure is "n/a" (a phase that did not run or failed). */
  void ratio(String line) {
    if (line.endsWith("n/a")) {
      return;
    }
    ratios.add(line);
  }

  void print(PrintStream out) {
    String[] header = {"measurement", "result", "target", "met"};
    int[] width = new int[header.length];
    for (int i = 0; i < header.length; i++) {
      width[i] = header[i].length();
    }
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    printRow(out, header, width);
    StringBuilder rule = new StringBuilder();
    for (int w : width) {
      rule.append(rule.length() == 0 ? "" : "-+-").append("-".repeat(w));
    }
    out.println(rule);
    for (String[] row : rows) {
      printRow(out, row, width);
    }
    out.println();
    out.println("Summary (ratios):");
    for (String line : ratios) {
      out.println("  " + line);
    }
    out.println(
        missed == 0 ? "  All targets met." : "  " + missed + " target(s) missed: see above.");
  }

  private static void printRow(PrintStream out, String[] row, int[] width) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < row.length; i++) {
      if (i > 0) {
        line.append(" | ");
      }
      line.append(String.format("%-" + width[i] + "s", row[i]));
    }
    out.println(line.toString().stripTrailing());
  }
}
