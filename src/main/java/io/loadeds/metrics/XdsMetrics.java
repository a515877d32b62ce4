package io.loadeds.metrics;

import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.XdsListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * xDS meters, fed as an {@link XdsListener}: {@code loadeds_xds_streams{mode}} (open now), {@code
 * loadeds_xds_responses_total{type}}, {@code loadeds_xds_acks_total{type}}, {@code
 * loadeds_xds_nacks_total{type}}, and {@code loadeds_push_latency_seconds}, the time from a
 * registry change to the first EDS response written after it.
 *
 * <p>The push latency is an approximation: the registry marks the oldest change not yet pushed
 * ({@link #registryChanged}), and the next EDS response on any stream records the time since and
 * clears the mark. It measures "change to first push", not per client, and a response that a new
 * stream would have got anyway may close the window; good enough to see the coalescing delay and a
 * slow rebuild, which is what operators look for.
 *
 * <p>Thread-safe: meters are Micrometer's (thread-safe); the per-mode gauges are in a concurrent
 * map.
 */
final class XdsMetrics implements XdsListener {
  private final MeterRegistry registry;
  private final Map<ResourceType, Counter> responses = new ConcurrentHashMap<>();
  private final Map<ResourceType, Counter> acks = new ConcurrentHashMap<>();
  private final Map<ResourceType, Counter> nacks = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> openByMode = new ConcurrentHashMap<>();
  private final AtomicLong pendingSince = new AtomicLong();
  private final Timer pushLatency;

  XdsMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (ResourceType t : ResourceType.values()) {
      String type = t.name().toLowerCase(java.util.Locale.ROOT);
      responses.put(t, counter("loadeds.xds.responses", "xDS responses written", type));
      acks.put(t, counter("loadeds.xds.acks", "xDS responses the client accepted", type));
      nacks.put(t, counter("loadeds.xds.nacks", "xDS responses the client rejected", type));
    }
    pushLatency =
        Timer.builder("loadeds.push.latency")
            .description("From a registry change to the first EDS response written after it")
            .publishPercentileHistogram()
            .register(registry);
  }

  private Counter counter(String name, String help, String type) {
    return Counter.builder(name).description(help).tag("type", type).register(registry);
  }

  /** A registry change happened now; the next EDS push closes the window (see class doc). */
  void registryChanged() {
    pendingSince.compareAndSet(0, System.nanoTime());
  }

  @Override
  public void streamOpened(long streamId, String mode) {
    openByMode
        .computeIfAbsent(
            mode,
            m -> {
              AtomicLong n = new AtomicLong();
              Gauge.builder("loadeds.xds.streams", n, AtomicLong::get)
                  .description("xDS streams open now")
                  .tag("mode", m)
                  .register(registry);
              return n;
            })
        .incrementAndGet();
  }

  /** Named with its mode, and once per stream ({@link XdsListener}): no table per stream here. */
  @Override
  public void streamClosed(long streamId, String mode, String nodeId) {
    AtomicLong open = openByMode.get(mode);
    if (open != null) {
      open.decrementAndGet();
    }
  }

  @Override
  public void responseSent(long streamId, String nodeId, ResourceType type, String version) {
    responses.get(type).increment();
    if (type == ResourceType.ENDPOINT) {
      long since = pendingSince.getAndSet(0);
      if (since != 0) {
        pushLatency.record(System.nanoTime() - since, java.util.concurrent.TimeUnit.NANOSECONDS);
      }
    }
  }

  @Override
  public void acked(long streamId, String nodeId, ResourceType type, String version) {
    acks.get(type).increment();
  }

  @Override
  public void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {
    nacks.get(type).increment();
  }
}
