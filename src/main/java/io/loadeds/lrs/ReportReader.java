package io.loadeds.lrs;

import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamEndpointStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.InvalidFieldException;
import io.loadeds.registry.Locality;
import io.loadeds.registry.RegistryView;
import io.loadeds.registry.Validation;
import io.loadeds.snapshot.ResourceBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns one LRS report into figures per known endpoint, resolving what the client names against the
 * registry as it is now. Stateless; any thread.
 *
 * <p>A {@code ClusterStats} names the cluster by {@code cluster_service_name} (the EDS service,
 * which is the LoadEDS cluster) or, without one, {@code cluster_name}. Its figures are per locality
 * (gRPC clients and Envoy report nothing finer, see the README): a locality is attributed to the
 * endpoint published in it, and only when exactly one is; {@code upstream_endpoint_stats}, when a
 * client sends them, are attributed by address and port instead. Whatever names no cluster or no
 * single endpoint is ignored and counted.
 */
final class ReportReader {
  /** Figures by endpoint, and what was ignored. */
  record Read(
      Map<EndpointRef, EndpointFigures> figures, int unknownClusters, int unknownEndpoints) {}

  private final RegistryView registry;
  private final boolean endpointLocalities;

  /**
   * @param endpointLocalities whether endpoints are published in localities of their own ({@link
   *     ResourceBuilder#publishedLocality})
   */
  ReportReader(RegistryView registry, boolean endpointLocalities) {
    this.registry = registry;
    this.endpointLocalities = endpointLocalities;
  }

  Read read(LoadStatsRequest request) {
    Map<EndpointRef, EndpointFigures> out = new HashMap<>();
    int unknownClusters = 0;
    int unknownEndpoints = 0;
    for (ClusterStats cs : request.getClusterStatsList()) {
      String name =
          cs.getClusterServiceName().isEmpty() ? cs.getClusterName() : cs.getClusterServiceName();
      Optional<ClusterView> view = registry.cluster(name).filter(ClusterView::live);
      if (view.isEmpty()) {
        unknownClusters++;
        continue;
      }
      List<Endpoint> live =
          view.get().endpoints().stream().filter(e -> e.state() != EndpointState.EXPIRED).toList();
      Map<Locality, Endpoint> byLocality = localityIndex(live);
      Map<String, Endpoint> byAddress = null; // built when first needed: most clients never are
      for (UpstreamLocalityStats ls : cs.getUpstreamLocalityStatsList()) {
        if (ls.getUpstreamEndpointStatsCount() > 0) {
          byAddress = byAddress == null ? addressIndex(live) : byAddress;
          for (UpstreamEndpointStats es : ls.getUpstreamEndpointStatsList()) {
            SocketAddress a = es.getAddress().getSocketAddress();
            String canonical = canonical(a.getAddress());
            Endpoint e =
                canonical == null ? null : byAddress.get(canonical + "|" + a.getPortValue());
            if (e == null) {
              unknownEndpoints++;
            } else {
              out.merge(EndpointRef.of(e), figures(es), EndpointFigures::plus);
            }
          }
          continue;
        }
        io.envoyproxy.envoy.config.core.v3.Locality l = ls.getLocality();
        Endpoint e = byLocality.get(new Locality(l.getRegion(), l.getZone(), l.getSubZone()));
        if (e == null) {
          unknownEndpoints++;
        } else {
          out.merge(EndpointRef.of(e), figures(ls), EndpointFigures::plus);
        }
      }
    }
    return new Read(out, unknownClusters, unknownEndpoints);
  }

  /**
   * The live endpoints by the locality each is published in; a locality shared by several maps to
   * null, because their figures cannot be told apart. Built once per cluster of a report, so a
   * report costs time in proportion to its size plus the cluster's, not their product.
   */
  private Map<Locality, Endpoint> localityIndex(List<Endpoint> live) {
    Map<Locality, Endpoint> index = new HashMap<>();
    for (Endpoint e : live) {
      Locality l = ResourceBuilder.publishedLocality(e, endpointLocalities);
      if (index.containsKey(l)) {
        index.put(l, null);
      } else {
        index.put(l, e);
      }
    }
    return index;
  }

  /** The live endpoints by canonical address and port. */
  private static Map<String, Endpoint> addressIndex(List<Endpoint> live) {
    Map<String, Endpoint> index = new HashMap<>();
    for (Endpoint e : live) {
      String canonical = canonical(e.address());
      if (canonical != null) {
        index.put(canonical + "|" + e.port(), e);
      }
    }
    return index;
  }

  /** The canonical text of an IP literal (never a lookup), or null when it is not one. */
  private static String canonical(String address) {
    try {
      Validation.ipLiteral("address", address);
      return InetAddress.getByName(address).getHostAddress();
    } catch (InvalidFieldException | UnknownHostException e) {
      return null;
    }
  }

  private static EndpointFigures figures(UpstreamLocalityStats s) {
    return new EndpointFigures(
        positive(s.getTotalRequestsInProgress()),
        positive(s.getTotalIssuedRequests()),
        positive(s.getTotalSuccessfulRequests()),
        positive(s.getTotalErrorRequests()),
        metrics(s.getLoadMetricStatsList()));
  }

  private static EndpointFigures figures(UpstreamEndpointStats s) {
    return new EndpointFigures(
        positive(s.getTotalRequestsInProgress()),
        positive(s.getTotalIssuedRequests()),
        positive(s.getTotalSuccessfulRequests()),
        positive(s.getTotalErrorRequests()),
        metrics(s.getLoadMetricStatsList()));
  }

  private static Map<String, EndpointFigures.MetricSum> metrics(
      List<EndpointLoadMetricStats> stats) {
    if (stats.isEmpty()) {
      return Map.of();
    }
    Map<String, EndpointFigures.MetricSum> out = new TreeMap<>();
    for (EndpointLoadMetricStats m : stats) {
      double total = m.getTotalMetricValue();
      out.merge(
          m.getMetricName(),
          new EndpointFigures.MetricSum(
              Double.isFinite(total) ? total : 0, positive(m.getNumRequestsFinishedWithMetric())),
          EndpointFigures.MetricSum::plus);
    }
    return out;
  }

  /** uint64 counts above 2^63 arrive negative in Java: read them as the largest value. */
  private static long positive(long v) {
    return v < 0 ? Long.MAX_VALUE : v;
  }
}
