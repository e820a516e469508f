package dev.outboxrelay.example.demo;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** What the demo reports while it runs: orders done, and the phase it is in. */
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

  /** A console progress bar of {@code total} steps. */
  static Progress bar(String task, long total) {
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
      @Override
      public void step() {
        bar.step();
      }

      @Override
      public void phase(String text) {
        bar.setExtraMessage(" " + text);
      }

      @Override
      public void close() {
        bar.close();
      }
    };
  }
}
