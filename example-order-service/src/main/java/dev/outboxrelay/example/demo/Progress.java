package dev.outboxrelay.example.demo;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What the demo reports while it runs: steps done out of a total, and the phase it is in. Calls
 * after {@link #close()} are ignored (the fault timeline may still change phase).
 */
interface Progress extends AutoCloseable {

  void step();

  void phase(String text);

  @Override
  void close();

  /** Reports nothing (tests). */
  Progress NONE =
      new Progress() {
        @Override
        public void step() {}

        @Override
        public void phase(String text) {}

        @Override
        public void close() {}
      };

  /**
   * A progress bar on a terminal; on anything else (a pipe, a CI log) a line per tenth and per
   * phase, since a bar redrawn with carriage returns would be one endless line there.
   */
  static Progress of(boolean enabled, String task, long total, PrintStream out) {
    if (!enabled) {
      return NONE;
    }
    return System.console() != null ? bar(task, total) : lines(task, total, out);
  }

  private static Progress bar(String task, long total) {
    ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(250)
            .setUnit(" req", 1)
            .showSpeed()
            .build();
    return new Progress() {
      private volatile boolean closed;

      @Override
      public void step() {
        bar.step();
      }

      @Override
      public void phase(String text) {
        if (!closed) {
          bar.setExtraMessage(" " + text);
        }
      }

      @Override
      public void close() {
        closed = true;
        bar.setExtraMessage("");
        bar.close();
      }
    };
  }

  private static Progress lines(String task, long total, PrintStream out) {
    long start = System.nanoTime();
    AtomicLong done = new AtomicLong();
    return new Progress() {
      private volatile boolean closed;

      @Override
      public void step() {
        long n = done.incrementAndGet();
        if (n * 10 / total != (n - 1) * 10 / total) {
          print(n + "/" + total);
        }
      }

      @Override
      public void phase(String text) {
        if (!closed && !text.isEmpty()) {
          print(text);
        }
      }

      private void print(String what) {
        out.printf("  %s %5.1f s  %s%n", task, (System.nanoTime() - start) / 1e9, what);
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }
}
