package io.loadeds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SelfConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.Locality;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a registry cluster into the Envoy v3 resources published for it. Pure and stateless; output
 * is deterministic (sorted), so equal input gives equal bytes and therefore equal versions.
 */
public final class ResourceBuilder {
  /** The drop category announced when a cluster has endpoints but none with spare capacity. */
  public static final String NO_CAPACITY_CATEGORY = "loadeds_no_capacity";

  private static final long MAX_UINT32 = 0xFFFF_FFFFL;

  /** Metadata namespace Envoy's subset load balancer reads endpoint labels from. */
  static final String LB_METADATA_NAMESPACE = "envoy.lb";

  private static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private ResourceBuilder() {}

  /**
   * The load assignment of a cluster: its admitted endpoints grouped by locality, weighted by spare
   * capacity.
   *
   * <p>With none admitted (all full) it carries a 100% drop category, so Envoy answers 503 and
   * proxyless gRPC fails fast with UNAVAILABLE. The full endpoints stay listed under that drop
   * (with weight 1): grpc-java treats an assignment without endpoints as a resolution error and
   * keeps routing to its last endpoints without ever applying the drop, so an empty list would send
   * every call on to the full backends. Under a 100% drop no call reaches them.
   */
  public static ClusterLoadAssignment assignment(ClusterView cluster) {
    return assignment(cluster, false);
  }

  /**
   * The same; with {@code endpointLocalities}, each endpoint in a locality of its own ({@link
   * #publishedLocality}), so that load reported per locality is load per endpoint.
   */
  public static ClusterLoadAssignment assignment(ClusterView cluster, boolean endpointLocalities) {
    ClusterLoadAssignment.Builder cla =
        ClusterLoadAssignment.newBuilder().setClusterName(cluster.name());
    Map<Locality, List<Endpoint>> byLocality = new TreeMap<>(LOCALITY_ORDER);
    List<Endpoint> admitted = cluster.admitted();
    boolean drop = admitted.isEmpty();
    List<Endpoint> listed =
        drop
            ? cluster.endpoints().stream().filter(e -> e.state() == EndpointState.FULL).toList()
            : admitted;
    for (Endpoint e : listed) {
      byLocality
          .computeIfAbsent(
              publishedLocality(e, endpointLocalities), l -> new java.util.ArrayList<>())
          .add(e);
    }
    byLocality.forEach(
        (locality, endpoints) -> {
          LocalityLbEndpoints.Builder group =
              LocalityLbEndpoints.newBuilder()
                  .setLocality(
                      io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                          .setRegion(locality.region())
                          .setZone(locality.zone())
                          .setSubZone(locality.subZone()));
          long total = 0; // a sum of ints can pass Integer.MAX_VALUE; the field is a uint32
          for (Endpoint e : endpoints) {
            group.addLbEndpoints(lbEndpoint(e));
            total += weight(e);
          }
          // gRPC clients ignore a locality without a weight, so it is always >= 1.
          long weight = Math.min(MAX_UINT32, Math.max(1, total));
          group.setLoadBalancingWeight(UInt32Value.of((int) weight));
          cla.addEndpoints(group);
        });
    if (drop) {
      cla.setPolicy(
          ClusterLoadAssignment.Policy.newBuilder()
              .addDropOverloads(
                  ClusterLoadAssignment.Policy.DropOverload.newBuilder()
                      .setCategory(NO_CAPACITY_CATEGORY)
                      .setDropPercentage(
                          FractionalPercent.newBuilder()
                              .setNumerator(100)
                              .setDenominator(FractionalPercent.DenominatorType.HUNDRED))));
    }
    return cla.build();
  }

  /**
   * {@code cla} with {@code policy.endpoint_stale_after} set, so Envoy drops its endpoints when it
   * hears nothing from the server for that long; unchanged when {@code staleAfter} is zero.
   */
  public static ClusterLoadAssignment withStaleAfter(
      ClusterLoadAssignment cla, java.time.Duration staleAfter) {
    if (staleAfter.isZero()) {
      return cla;
    }
    ClusterLoadAssignment.Builder b = cla.toBuilder();
    b.getPolicyBuilder()
        .setEndpointStaleAfter(
            com.google.protobuf.Duration.newBuilder()
                .setSeconds(staleAfter.getSeconds())
                .setNanos(staleAfter.getNano()));
    return b.build();
  }

  /** The assignment sent for a name nobody registered: no endpoints, so Envoy stops warming. */
  public static ClusterLoadAssignment emptyAssignment(String name) {
    return ClusterLoadAssignment.newBuilder().setClusterName(name).build();
  }

  /**
   * The locality an endpoint is published in. Without {@code endpointLocalities}, the one it
   * registered. With it, the registered region and zone, and a sub-zone of its own: the registered
   * sub-zone, {@code /} and the endpoint id (or the id alone when it named none). gRPC clients (and
   * Envoy) report load over LRS per locality, never per endpoint; a locality per endpoint makes
   * their figures per endpoint. Ids cannot hold {@code /}, so two endpoints never share one.
   */
  public static Locality publishedLocality(Endpoint e, boolean endpointLocalities) {
    Locality l = e.locality();
    if (!endpointLocalities) {
      return l;
    }
    return new Locality(
        l.region(), l.zone(), l.subZone().isEmpty() ? e.id() : l.subZone() + "/" + e.id());
  }

  /** An EDS cluster whose endpoints come over ADS, speaking HTTP/2 (gRPC) to its upstreams. */
  public static Cluster cluster(String name) {
    return cluster(name, false);
  }

  /**
   * The same; with {@code lrs}, naming this server ({@code self}) as its {@code lrs_server}, so
   * proxyless gRPC clients report their load to it over LRS without further configuration.
   */
  public static Cluster cluster(String name, boolean lrs) {
    HttpProtocolOptions h2 =
        HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build();
    Cluster.Builder cluster = Cluster.newBuilder();
    if (lrs) {
      cluster.setLrsServer(
          ConfigSource.newBuilder().setSelf(SelfConfigSource.getDefaultInstance()).build());
    }
    return cluster
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(Duration.newBuilder().setSeconds(1))
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(h2))
        .build();
  }

  /**
   * The listener a proxyless gRPC client resolves for {@code xds:///name}: an API listener whose
   * HttpConnectionManager takes its routes over RDS (ADS) and ends with the router filter, which
   * gRPC requires.
   */
  public static Listener listener(String name) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(name)
            .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(name))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  /** Routes every request of any authority to the cluster of the same name. */
  public static RouteConfiguration route(String name) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(name)
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix(""))
                        .setRoute(RouteAction.newBuilder().setCluster(name))))
        .build();
  }

  /** The published weight: spare capacity when admitted, 1 for a full endpoint under a drop. */
  private static int weight(Endpoint e) {
    return Math.max(1, e.effectiveWeight());
  }

  private static LbEndpoint lbEndpoint(Endpoint e) {
    LbEndpoint.Builder lb =
        LbEndpoint.newBuilder()
            .setEndpoint(
                io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                    .setAddress(
                        Address.newBuilder()
                            .setSocketAddress(
                                SocketAddress.newBuilder()
                                    .setAddress(e.address())
                                    .setPortValue(e.port())))
                    .setHostname(e.id()))
            .setHealthStatus(HealthStatus.HEALTHY)
            .setLoadBalancingWeight(UInt32Value.of(weight(e)));
    if (!e.metadata().isEmpty()) {
      Struct.Builder labels = Struct.newBuilder();
      new TreeMap<>(e.metadata())
          .forEach((k, v) -> labels.putFields(k, Value.newBuilder().setStringValue(v).build()));
      lb.setMetadata(
          Metadata.newBuilder().putFilterMetadata(LB_METADATA_NAMESPACE, labels.build()));
    }
    return lb.build();
  }

  private static final Comparator<Locality> LOCALITY_ORDER =
      Comparator.comparing(Locality::region)
          .thenComparing(Locality::zone)
          .thenComparing(Locality::subZone);
}
