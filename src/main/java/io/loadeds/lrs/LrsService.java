package io.loadeds.lrs;

import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.loadeds.config.LoadConfig;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Registry;
import io.loadeds.xds.GrpcBinding;
import io.loadeds.xds.XdsListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.GrpcServer;
import java.time.Clock;
import java.util.List;

/**
 * The Load Reporting Service ({@code envoy.service.load_stats.v3.LoadReportingService}) on the
 * server's one port: binds {@code StreamLoadStats} on each event loop's gRPC server through the xDS
 * {@link GrpcBinding} (so node-id restrictions, stream limits, message size and shutdown apply as
 * to xDS), forgets silent clients every interval, and serves {@code GET /v1/debug/lrs}.
 *
 * <p>Thread-safe: one instance is shared by every event loop; each stream runs on the context of
 * its connection, and the state they share lives in the thread-safe {@link LoadAggregator}.
 */
public final class LrsService {
  public static final String SERVICE = "envoy.service.load_stats.v3.LoadReportingService";

  /** How xDS listeners name an LRS stream. */
  static final String MODE = "lrs";

  private final Registry registry;
  private final LoadConfig config;
  private final LoadAggregator aggregator;
  private final LrsMetrics metrics;
  private long sweepTimer = -1;

  /**
   * @param meters where the LRS meters go (those of {@code /metrics})
   */
  public LrsService(Registry registry, LoadConfig config, Clock clock, MeterRegistry meters) {
    this.registry = registry;
    this.config = config;
    // LRS on means endpoints are published in localities of their own (see SnapshotCache).
    this.aggregator = new LoadAggregator(registry, true, config.lrsInterval(), clock);
    this.metrics = new LrsMetrics(meters, aggregator, registry);
    LoadStatsRequest.getDescriptor(); // off the event loops: descriptors load slowly when cold
  }

  /** The figures behind the service (for metrics, debug and tests). */
  public LoadAggregator aggregator() {
    return aggregator;
  }

  /**
   * Registers {@code StreamLoadStats} on {@code server}, through {@code binding}; {@code listener}
   * (the one the binding reports opened streams to) is told when each stream ends.
   */
  public void bind(GrpcServer server, GrpcBinding binding, XdsListener listener) {
    binding.<LoadStatsRequest, LoadStatsResponse>bind(
        server,
        SERVICE,
        "StreamLoadStats",
        LoadStatsRequest.getDefaultInstance(),
        MODE,
        (id, sink, onContext) ->
            new LrsStream(id, sink, aggregator, this::publishedClusters, listener));
  }

  /** Adds {@code GET /v1/debug/lrs}. */
  public void mount(Router router) {
    router
        .get("/v1/debug/lrs")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/json")
                    .end(LrsDebug.dump(config, aggregator, registry).encode()));
  }

  /**
   * Starts forgetting clients silent for two intervals, and refreshing the per-endpoint meters,
   * every interval; call once.
   */
  public void start(Vertx vertx) {
    sweepTimer =
        vertx.setPeriodic(
            config.lrsInterval().toMillis(),
            id -> {
              aggregator.sweep();
              metrics.refresh();
            });
  }

  public void stop(Vertx vertx) {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
      sweepTimer = -1;
    }
  }

  /** The clusters published now, sorted (what a client without send_all_clusters is asked for). */
  private List<String> publishedClusters() {
    return registry.clusters().stream().filter(ClusterView::live).map(ClusterView::name).toList();
  }
}
