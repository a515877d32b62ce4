package io.loadeds.lrs;

import io.loadeds.config.Durations;
import io.loadeds.config.LoadConfig;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.RegistryView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * The body of {@code GET /v1/debug/lrs}: the load source, the reporting clients, what was ignored,
 * and for every endpoint of every cluster the figure from each source (the backend's {@code
 * active}, the clients' sum) and the one admission used. Stateless.
 */
final class LrsDebug {
  private LrsDebug() {}

  static JsonObject dump(LoadConfig config, LoadAggregator aggregator, RegistryView registry) {
    JsonArray clients = new JsonArray();
    aggregator
        .clients()
        .forEach(
            c ->
                clients.add(
                    new JsonObject()
                        .put("stream", c.stream())
                        .put("node", c.node())
                        .put("lastReportAt", c.lastReport().toString())
                        .put("endpoints", c.endpoints())));
    Map<String, LoadAggregator.EndpointSum> sums = new HashMap<>();
    aggregator.sums().forEach(s -> sums.put(key(s.cluster(), s.address(), s.port()), s));
    JsonArray clusters = new JsonArray();
    for (ClusterView c : registry.clusters()) {
      JsonArray endpoints = new JsonArray();
      for (Endpoint e : c.endpoints()) {
        LoadAggregator.EndpointSum s = sums.get(key(c.name(), e.address(), e.port()));
        endpoints.add(
            new JsonObject()
                .put("id", e.id())
                .put("address", e.address())
                .put("port", e.port())
                .put("capacity", e.capacity())
                .put("state", e.state().name())
                .put("backend", new JsonObject().put("active", e.active()))
                .put("lrs", s == null ? null : lrs(s))
                .put("load", e.load()));
      }
      clusters.add(new JsonObject().put("name", c.name()).put("endpoints", endpoints));
    }
    return new JsonObject()
        .put("loadSource", config.source().text())
        .put("interval", Durations.format(config.lrsInterval()))
        .put("reports", aggregator.reports())
        .put(
            "ignored",
            new JsonObject()
                .put("unknownClusters", aggregator.unknownClusters())
                .put("unknownEndpoints", aggregator.unknownEndpoints())
                .put("staleClients", aggregator.staleClients()))
        .put("clients", clients)
        .put("clusters", clusters);
  }

  private static JsonObject lrs(LoadAggregator.EndpointSum s) {
    EndpointFigures f = s.figures();
    JsonObject metrics = new JsonObject();
    f.metrics()
        .forEach(
            (name, m) ->
                metrics.put(
                    name, new JsonObject().put("total", m.total()).put("requests", m.requests())));
    return new JsonObject()
        .put("clients", s.clients())
        .put("inProgress", f.inProgress())
        .put("issuedLastInterval", f.issued())
        .put("succeededLastInterval", f.succeeded())
        .put("erroredLastInterval", f.errored())
        .put("metricsLastInterval", metrics);
  }

  private static String key(String cluster, String address, int port) {
    return cluster + "\u0000" + address + "\u0000" + port;
  }
}
