package io.loadeds.demo.client;

import java.util.Arrays;

/**
 * Collects round-trip times (a number sent on a stream until its answer came back) and tells their
 * percentiles.
 *
 * <p>Keeps every sample: a demo run sends at most a few hundred thousand numbers, a few MB at
 * worst, and exact percentiles need no histogram tuning.
 *
 * <p>Threading: thread-safe (synchronized); recorded from gRPC callback threads.
 */
public final class LatencyRecorder {

  /**
   * Latency percentiles in milliseconds, by nearest rank; all zero when {@code count} is zero.
   *
   * @param count how many round trips were measured
   */
  public record Percentiles(long count, double p50, double p90, double p99, double max) {}

  private long[] nanos = new long[1024];
  private int size;

  public synchronized void record(long roundTripNanos) {
    if (size == nanos.length) {
      nanos = Arrays.copyOf(nanos, size * 2);
    }
    nanos[size++] = roundTripNanos;
  }

  public synchronized Percentiles percentiles() {
    if (size == 0) {
      return new Percentiles(0, 0, 0, 0, 0);
    }
    long[] sorted = Arrays.copyOf(nanos, size);
    Arrays.sort(sorted);
    return new Percentiles(
        size,
        millis(rank(sorted, 0.50)),
        millis(rank(sorted, 0.90)),
        millis(rank(sorted, 0.99)),
        millis(sorted[size - 1]));
  }

  private static long rank(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)];
  }

  private static double millis(long nanos) {
    // Microsecond resolution is plenty, and keeps the JSON short.
    return Math.round(nanos / 1_000.0) / 1_000.0;
  }
}
