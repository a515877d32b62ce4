package io.loadeds.demo.client;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Prints a {@link Summary} as the human-readable table. Stateless and thread-safe. */
final class SummaryTable {

  private SummaryTable() {}

  static void print(Summary s, PrintStream out) {
    out.printf(
        "%d stream slot(s) to %s for %.1f s (%s)%n",
        s.streams(),
        s.target(),
        s.durationMillis() / 1000.0,
        s.hold() ? "held open" : "short streams");
    out.printf(
        "streams: %d opened, %d served, %d completed, %d refused, %d failed%n",
        s.totalStreams(),
        s.servedStreams(),
        s.completedStreams(),
        s.refusalsTotal(),
        s.errorsTotal());
    TreeSet<String> backends = new TreeSet<>(s.streamsPerBackend().keySet());
    backends.addAll(s.refusalsPerBackend().keySet());
    if (!backends.isEmpty()) {
      int width =
          Math.max("backend".length(), backends.stream().mapToInt(String::length).max().orElse(0));
      out.printf(
          "  %-" + width + "s %8s %12s %8s%n", "backend", "streams", "open at end", "refused");
      for (String b : backends) {
        out.printf(
            "  %-" + width + "s %8d %12d %8d%n",
            b,
            s.streamsPerBackend().getOrDefault(b, 0L),
            s.openStreamsPerBackend().getOrDefault(b, 0),
            s.refusalsPerBackend().getOrDefault(b, 0L));
      }
    }
    out.println("refusals: " + byCode(s.refusals()));
    out.println("errors:   " + byCode(s.errors()));
    LatencyRecorder.Percentiles l = s.latencyMillis();
    out.printf(
        "latency (ms, %d round trips): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f%n",
        l.count(), l.p50(), l.p90(), l.p99(), l.max());
    out.flush();
  }

  private static String byCode(Map<String, Long> counts) {
    if (counts.isEmpty()) {
      return "none";
    }
    return counts.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
