package dev.outboxrelay.bench;

import org.HdrHistogram.Histogram;

/** A latency distribution in microseconds (HdrHistogram, 3 significant digits). */
final class Latencies {
  private final Histogram histogram = new Histogram(3_600_000_000L, 3);

  void recordNanos(long nanos) {
    histogram.recordValue(Math.max(0, nanos / 1_000));
  }

  long count() {
    return histogram.getTotalCount();
  }

  double percentileMillis(double percentile) {
    return histogram.getValueAtPercentile(percentile) / 1_000.0;
  }

  double p50() {
    return percentileMillis(50);
  }

  double p99() {
    return percentileMillis(99);
  }

  double maxMillis() {
    return histogram.getMaxValue() / 1_000.0;
  }

  double meanMillis() {
    return histogram.getMean() / 1_000.0;
  }

  /** "n=20000 p50 4.2 ms, p90 ..., p99 ..., p99.9 ..., max ..., mean ..." */
  String summary() {
    return String.format(
        "n=%d  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s",
        count(),
        ms(p50()),
        ms(percentileMillis(90)),
        ms(p99()),
        ms(percentileMillis(99.9)),
        ms(maxMillis()),
        ms(meanMillis()));
  }

  static String ms(double millis) {
    return millis < 10 ? String.format("%.2f ms", millis) : String.format("%.1f ms", millis);
  }
}
