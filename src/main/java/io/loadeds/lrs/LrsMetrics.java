package io.loadeds.lrs;

import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.RegistryView;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The LRS meters: {@code loadeds_lrs_reports_total}, {@code loadeds_lrs_ignored_total{reason}}
 * ({@code unknown_cluster}, {@code unknown_endpoint}, {@code stale_client}), {@code
 * loadeds_lrs_clients}, and per endpoint {@code loadeds_endpoint_load{cluster,endpoint,source}}
 * with {@code source} {@code backend} (its own {@code active}), {@code lrs} (the clients' sum of
 * requests in progress, only while some client reports it) and {@code used} (what admission uses).
 *
 * <p>Thread-safe: the counters read the aggregator's atomics; the per-endpoint rows are rebuilt by
 * {@link #refresh} (every reporting interval) from immutable views.
 */
public final class LrsMetrics {
  private final MultiGauge endpointLoad;
  private final LoadAggregator aggregator;
  private final RegistryView registry;

  public LrsMetrics(MeterRegistry meters, LoadAggregator aggregator, RegistryView registry) {
    this.aggregator = aggregator;
    this.registry = registry;
    FunctionCounter.builder("loadeds.lrs.reports", aggregator, LoadAggregator::reports)
        .description("LRS load reports taken")
        .register(meters);
    ignored(meters, "unknown_cluster", LoadAggregator::unknownClusters);
    ignored(meters, "unknown_endpoint", LoadAggregator::unknownEndpoints);
    ignored(meters, "stale_client", LoadAggregator::staleClients);
    Gauge.builder("loadeds.lrs.clients", aggregator, a -> a.clients().size())
        .description("LRS streams open")
        .register(meters);
    endpointLoad =
        MultiGauge.builder("loadeds.endpoint.load")
            .description(
                "Load of an endpoint by source: backend (its own report), lrs (requests in"
                    + " progress the xDS clients report, summed), used (what admission uses)")
            .register(meters);
  }

  private void ignored(
      MeterRegistry meters, String reason, java.util.function.ToDoubleFunction<LoadAggregator> f) {
    FunctionCounter.builder("loadeds.lrs.ignored", aggregator, f)
        .description("LRS figures ignored: unknown cluster or endpoint, or a silent client dropped")
        .tag("reason", reason)
        .register(meters);
  }

  /** Rebuilds the per-endpoint rows from the registry and the aggregator as they are now. */
  public void refresh() {
    Map<String, Long> lrs = new HashMap<>();
    aggregator
        .sums()
        .forEach(
            s ->
                lrs.put(
                    s.cluster() + "\u0000" + s.address() + "\u0000" + s.port(),
                    s.figures().inProgress()));
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (ClusterView c : registry.clusters()) {
      for (Endpoint e : c.endpoints()) {
        Tags tags = Tags.of("cluster", c.name(), "endpoint", e.id());
        rows.add(MultiGauge.Row.of(tags.and("source", "backend"), e.active()));
        rows.add(MultiGauge.Row.of(tags.and("source", "used"), e.load()));
        Long seen = lrs.get(c.name() + "\u0000" + e.address() + "\u0000" + e.port());
        if (seen != null) {
          rows.add(MultiGauge.Row.of(tags.and("source", "lrs"), seen));
        }
      }
    }
    endpointLoad.register(rows, true);
  }
}
