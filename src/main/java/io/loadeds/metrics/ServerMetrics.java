package io.loadeds.metrics;

import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.RegistryEvent;
import io.loadeds.registry.RegistryView;
import io.loadeds.xds.XdsListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's Prometheus meters, served at {@code /metrics}: endpoints per cluster ({@code
 * loadeds_endpoints_registered}, {@code loadeds_endpoints_admitted}), {@code
 * loadeds_admission_changes_total{cluster,to}}, {@code loadeds_lease_expiries_total{cluster}},
 * {@code loadeds_rest_requests_total{method,route,status}}, the xDS meters of {@link XdsMetrics},
 * and Micrometer's JVM and process meters.
 *
 * <p>Fed by listeners: {@link #onRegistryEvent} (register it on the registry) and {@link
 * #xdsListener()}. Thread-safe: every meter is Micrometer's, gauges read the thread-safe registry
 * when scraped, and per-cluster meters are registered once through a concurrent set. A scrape is a
 * short in-memory walk and runs on the requesting event loop; it also drops the meters of clusters
 * that are gone.
 */
public final class ServerMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RegistryView registry;
  private final XdsMetrics xds;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Set<String> gaugedClusters = ConcurrentHashMap.newKeySet();

  public ServerMetrics(RegistryView registry) {
    this.registry = registry;
    this.xds = new XdsMetrics(meters);
    new JvmMemoryMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    gc.bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    registry.clusters().forEach(c -> gaugeCluster(c.name()));
  }

  /** The meter registry behind {@code /metrics}, for components that add meters of their own. */
  public io.micrometer.core.instrument.MeterRegistry meters() {
    return meters;
  }

  /** The xDS half of the meters, to be composed into the server's {@link XdsListener}. */
  public XdsListener xdsListener() {
    return xds;
  }

  /** A registry listener: counts admission changes and expiries; quick and non-blocking. */
  public void onRegistryEvent(RegistryEvent event) {
    gaugeCluster(event.cluster());
    if (event.changesMembership()) {
      xds.registryChanged();
    }
    if (event instanceof RegistryEvent.AdmissionChanged a) {
      clusterCounters(a.cluster()).admission(a.endpoint().admitted()).increment();
    } else if (event instanceof RegistryEvent.Expired e) {
      clusterCounters(e.cluster()).expiries.increment();
    }
  }

  /**
   * A cluster's event counters, registered once: building a meter's id on every event cost a few
   * percent of a write that flips an admission.
   */
  private record ClusterCounters(Counter admitted, Counter full, Counter expiries) {
    Counter admission(boolean nowAdmitted) {
      return nowAdmitted ? admitted : full;
    }
  }

  private final Map<String, ClusterCounters> clusterCounters = new ConcurrentHashMap<>();

  private ClusterCounters clusterCounters(String cluster) {
    return clusterCounters.computeIfAbsent(
        cluster,
        c ->
            new ClusterCounters(
                admissionCounter(c, "admitted"),
                admissionCounter(c, "full"),
                Counter.builder("loadeds.lease.expiries")
                    .description("Endpoints removed because their lease lapsed")
                    .tag("cluster", c)
                    .register(meters)));
  }

  private Counter admissionCounter(String cluster, String to) {
    return Counter.builder("loadeds.admission.changes")
        .description("Endpoints that entered or left EDS because of their load")
        .tag("cluster", cluster)
        .tag("to", to)
        .register(meters);
  }

  private void gaugeCluster(String cluster) {
    if (gaugedClusters.add(cluster)) {
      // The counters too, at zero: a series that first appears at 1 hides its first increase from
      // rate() and increase(), and alerts on "any expiry" would miss the first one.
      clusterCounters(cluster);
      Gauge.builder("loadeds.endpoints.registered", () -> count(cluster, false))
          .description("Endpoints registered with a live lease (admitted or full)")
          .tag("cluster", cluster)
          .register(meters);
      Gauge.builder("loadeds.endpoints.admitted", () -> count(cluster, true))
          .description("Endpoints in the load assignment now")
          .tag("cluster", cluster)
          .register(meters);
    }
  }

  private long count(String cluster, boolean admittedOnly) {
    Optional<ClusterView> c = registry.cluster(cluster);
    if (c.isEmpty()) {
      return 0;
    }
    return c.get().endpoints().stream().filter(e -> admittedOnly ? e.admitted() : live(e)).count();
  }

  /** The meter registry, for components that add meters of their own (scale-out). */
  public io.micrometer.core.instrument.MeterRegistry meterRegistry() {
    return meters;
  }

  /**
   * Adds {@code GET /metrics} and, first in the chain, a handler that counts every request by
   * method, route template (never the raw path, to bound cardinality) and status.
   */
  public void mount(Router router) {
    Route counting = router.route().order(Integer.MIN_VALUE);
    counting.handler(ctx -> countRequest(ctx, counting));
    router
        .get("/metrics")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(scrape()));
  }

  private void countRequest(RoutingContext ctx, Route counting) {
    ctx.addEndHandler(
        done -> {
          Route route = ctx.currentRoute();
          String template = "unmatched";
          if (route != null && route != counting) {
            template = route.getPath() != null ? route.getPath() : String.valueOf(route.getName());
          }
          requestCounter(
                  methodTag(ctx.request().method()), template, ctx.response().getStatusCode())
              .increment();
        });
    ctx.next();
  }

  /** One counter per method, route template and status, looked up without building its id. */
  private record RequestKey(String method, String route, int status) {}

  private final Map<RequestKey, Counter> requestCounters = new ConcurrentHashMap<>();

  private Counter requestCounter(String method, String route, int status) {
    // Every REST request lands here; building and sorting the meter's tags each time cost a few
    // percent of a registration. The keys are bounded: methods by methodTag, routes by the router.
    return requestCounters.computeIfAbsent(
        new RequestKey(method, route, status),
        k ->
            Counter.builder("loadeds.rest.requests")
                .description("REST requests answered, by route template and status")
                .tag("method", k.method())
                .tag("route", k.route())
                .tag("status", Integer.toString(k.status()))
                .register(meters));
  }

  private static final Set<HttpMethod> KNOWN_METHODS =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.PATCH,
          HttpMethod.DELETE,
          HttpMethod.OPTIONS);

  /**
   * The method as a tag: HTTP lets a client make up any method token, and each would otherwise
   * start a series of its own.
   */
  static String methodTag(HttpMethod method) {
    return KNOWN_METHODS.contains(method) ? method.name() : "OTHER";
  }

  /** The meters in Prometheus text format (what {@code /metrics} answers). */
  public String scrape() {
    forgetGoneClusters();
    return meters.scrape();
  }

  /**
   * Drops the meters of clusters the registry no longer has, so cluster names that come and go (one
   * per deployment, say) do not pile up series for ever. Done at scrape time, off the registry's
   * locks. A cluster that comes back at that very moment may miss its meters until its next event,
   * which registers them again (its counters then restart from zero, which Prometheus reads as a
   * reset).
   */
  private void forgetGoneClusters() {
    for (String cluster : gaugedClusters) {
      if (registry.cluster(cluster).isEmpty() && gaugedClusters.remove(cluster)) {
        for (Meter m : meters.getMeters()) {
          if (cluster.equals(m.getId().getTag("cluster"))) {
            meters.remove(m);
          }
        }
        // After the meters: an event racing this may count on a removed counter (the race the
        // Javadoc accepts), but no removed counter stays cached once this has run.
        clusterCounters.remove(cluster);
      }
    }
  }

  @Override
  public void close() {
    gc.close();
    meters.close();
  }

  private static boolean live(Endpoint e) {
    return e.state() != EndpointState.EXPIRED;
  }
}
