package io.loadeds.demo.client;

import io.grpc.Status;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters of a load run: open streams per backend, refusals and errors by status code,
 * messages and round-trip latencies.
 *
 * <p>Threading: thread-safe; updated from gRPC callback threads and the send timer, read by the
 * progress line and the summary. A snapshot is consistent per counter, not across counters.
 */
public final class LoadStats {

  static final String UNKNOWN_BACKEND = "unknown";

  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> served = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> refusalsByCode = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> refusalsByBackend = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errorsByCode = new ConcurrentHashMap<>();
  private final LongAdder opened = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LongAdder sent = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LatencyRecorder latency = new LatencyRecorder();

  void streamOpened() {
    opened.increment();
  }

  void served(String backend) {
    served.computeIfAbsent(backend, b -> new LongAdder()).increment();
    open.computeIfAbsent(backend, b -> new AtomicInteger()).incrementAndGet();
  }

  void closed(String backend) {
    open.get(backend).decrementAndGet();
  }

  void completed() {
    completed.increment();
  }

  void refused(Status.Code code, String backend) {
    refusalsByCode.computeIfAbsent(code.name(), c -> new LongAdder()).increment();
    if (backend != null) {
      refusalsByBackend.computeIfAbsent(backend, b -> new LongAdder()).increment();
    }
  }

  void failed(Status.Code code) {
    errorsByCode.computeIfAbsent(code.name(), c -> new LongAdder()).increment();
  }

  void sent() {
    sent.increment();
  }

  void answered(long roundTripNanos) {
    received.increment();
    latency.record(roundTripNanos);
  }

  /** Streams open now, by backend (backends whose streams all ended show 0). */
  Map<String, Integer> openNow() {
    Map<String, Integer> now = new TreeMap<>();
    open.forEach((backend, n) -> now.put(backend, n.get()));
    return now;
  }

  long refusals() {
    return sum(refusalsByCode);
  }

  long errors() {
    return sum(errorsByCode);
  }

  /** The summary, with the open streams counted when the run's end was signalled. */
  Summary summary(LoadConfig config, long durationMillis, Map<String, Integer> openAtEnd) {
    return new Summary(
        config.target().uri(),
        config.target() instanceof LoadConfig.Target.Xds ? "xds" : "direct",
        config.streams(),
        config.hold(),
        durationMillis,
        opened.sum(),
        sum(served),
        completed.sum(),
        sorted(served),
        new TreeMap<>(openAtEnd),
        sorted(refusalsByCode),
        sorted(refusalsByBackend),
        refusals(),
        sorted(errorsByCode),
        errors(),
        sent.sum(),
        received.sum(),
        latency.percentiles());
  }

  private static Map<String, Long> sorted(Map<String, LongAdder> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  private static long sum(Map<String, LongAdder> counters) {
    return counters.values().stream().mapToLong(LongAdder::sum).sum();
  }
}
