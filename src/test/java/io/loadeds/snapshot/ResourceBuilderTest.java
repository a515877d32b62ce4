package io.loadeds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Locality;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Envoy resources published for one cluster (API.md §2–3), built from a registry view. */
class ResourceBuilderTest {
  private static final Locality EU_A = new Locality("eu", "eu-1a", "");
  private static final Locality EU_B = new Locality("eu", "eu-1b", "r1");

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final Registry registry = new Registry(RegistryConfig.defaults(), clock);

  private void put(String id, String ip, Integer capacity, int active, Integer weight, Locality l) {
    put(id, ip, capacity, active, weight, l, Map.of());
  }

  private void put(
      String id,
      String ip,
      Integer capacity,
      int active,
      Integer weight,
      Locality l,
      Map<String, String> metadata) {
    registry.register(
        new EndpointKey("svc", id),
        new Registration(ip, 8080, capacity, active, weight, null, l, metadata));
  }

  private ClusterLoadAssignment assignment() {
    return ResourceBuilder.assignment(registry.cluster("svc").orElseThrow());
  }

  @Test
  void theAssignmentListsOnlyAdmittedEndpointsGroupedByLocality() {
    put("a", "10.0.0.1", 10, 3, null, EU_A, Map.of("version", "1.4.2", "arch", "arm"));
    put("b", "10.0.0.2", 4, 4, null, EU_A); // full
    put("c", "10.0.0.3", 10, 9, 5, EU_B); // static weight
    put("d", "2001:db8::7", null, 0, null, Locality.NONE); // not load-gated
    registry.register(
        new EndpointKey("svc", "e"),
        Registration.of("10.0.0.5", 8080).withTtl(Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(1));
    registry.expireLeases(); // e expires

    ClusterLoadAssignment cla = assignment();

    assertThat(cla.getClusterName()).isEqualTo("svc");
    assertThat(cla.getPolicy().getDropOverloadsList()).isEmpty();
    assertThat(cla.getEndpointsList())
        .extracting(g -> g.getLocality().getRegion() + "/" + g.getLocality().getZone())
        .containsExactly("/", "eu/eu-1a", "eu/eu-1b");
    assertThat(hostnames(cla)).containsExactly("d", "a", "c");
    assertThat(weights(cla.getEndpoints(1))).containsExactly(7);
    assertThat(weights(cla.getEndpoints(2))).containsExactly(5);
    assertThat(cla.getEndpoints(2).getLocality().getSubZone()).isEqualTo("r1");
    assertLocalityWeightsAreSums(cla);

    LbEndpoint d = cla.getEndpoints(0).getLbEndpoints(0);
    assertThat(d.getEndpoint().getAddress().getSocketAddress().getAddress())
        .isEqualTo("2001:db8::7");
    assertThat(d.getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
    assertThat(d.getLoadBalancingWeight().getValue()).isEqualTo(1);
    LbEndpoint a = cla.getEndpoints(1).getLbEndpoints(0);
    assertThat(a.getMetadata().getFilterMetadataOrThrow("envoy.lb").getFieldsMap())
        .containsOnlyKeys("version", "arch");
  }

  @Test
  void everyLocalityWeighsTheSumOfItsEndpointsWeights() {
    put("a", "10.0.0.1", 10, 3, null, EU_A);
    put("b", "10.0.0.2", 8, 0, null, EU_A);
    put("c", "10.0.0.3", 2, 1, null, EU_A);
    put("d", "10.0.0.4", 3, 2, null, EU_B); // spare 1: still weighs 1

    ClusterLoadAssignment cla = assignment();

    assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(7 + 8 + 1);
    assertThat(cla.getEndpoints(1).getLoadBalancingWeight().getValue()).isEqualTo(1);
    assertLocalityWeightsAreSums(cla);
  }

  @Test
  void aLocalityWeightAboveIntegerMaxIsNotWrappedAround() {
    // Envoy allows a locality sum up to uint32 max; an int sum would wrap to a negative number.
    put("a", "10.0.0.1", Integer.MAX_VALUE, 0, null, EU_A);
    put("b", "10.0.0.2", null, 0, Integer.MAX_VALUE, EU_A);
    put("c", "10.0.0.3", null, 0, null, EU_B);

    ClusterLoadAssignment cla = assignment();

    assertThat(Integer.toUnsignedLong(cla.getEndpoints(0).getLoadBalancingWeight().getValue()))
        .isEqualTo(2L * Integer.MAX_VALUE);
    assertLocalityWeightsAreSums(cla);
  }

  @Test
  void anAllFullClusterDropsEverythingAndKeepsItsFullEndpointsListedUnderTheDrop() {
    // grpc-java ignores an assignment without endpoints (it keeps its last ones), so the full
    // endpoints stay listed, weight 1, under a 100% drop that no call gets past.
    put("a", "10.0.0.1", 1, 1, null, EU_A);
    put("b", "10.0.0.2", 2, 5, 3, EU_B);
    registry.register(
        new EndpointKey("svc", "e"),
        Registration.of("10.0.0.5", 8080).withTtl(Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(1));
    registry.expireLeases(); // e expires: never listed

    ClusterLoadAssignment cla = assignment();

    assertThat(cla.getPolicy().getDropOverloadsList())
        .singleElement()
        .satisfies(
            drop -> {
              assertThat(drop.getCategory()).isEqualTo(ResourceBuilder.NO_CAPACITY_CATEGORY);
              assertThat(drop.getDropPercentage().getNumerator()).isEqualTo(100);
              assertThat(drop.getDropPercentage().getDenominator())
                  .isEqualTo(FractionalPercent.DenominatorType.HUNDRED);
            });
    assertThat(hostnames(cla)).containsExactly("a", "b");
    assertThat(cla.getEndpointsList())
        .flatExtracting(LocalityLbEndpoints::getLbEndpointsList)
        .allSatisfy(e -> assertThat(e.getLoadBalancingWeight().getValue()).isEqualTo(1));
    assertLocalityWeightsAreSums(cla);
  }

  @Test
  void theDropGoesAwayWithTheFirstAdmittedEndpoint() {
    put("a", "10.0.0.1", 1, 1, null, EU_A);
    registry.report(new EndpointKey("svc", "a"), io.loadeds.registry.LoadReport.active(0));

    ClusterLoadAssignment cla = assignment();

    assertThat(cla.hasPolicy()).isFalse();
    assertThat(hostnames(cla)).containsExactly("a");
  }

  @Test
  void theEmptyAssignmentOfAnUnknownNameHasOnlyItsName() {
    ClusterLoadAssignment cla = ResourceBuilder.emptyAssignment("nobody");

    assertThat(cla).isEqualTo(ClusterLoadAssignment.newBuilder().setClusterName("nobody").build());
  }

  @Test
  void equalContentGivesEqualBytesWhateverTheRegistrationOrder() {
    put("b", "10.0.0.2", 10, 1, null, EU_B, Map.of("z", "1", "a", "2", "m", "3"));
    put("a", "10.0.0.1", 10, 2, null, EU_A);
    Registry other = new Registry(RegistryConfig.defaults(), clock);
    other.register(
        new EndpointKey("svc", "a"),
        new Registration("10.0.0.1", 8080, 10, 2, null, null, EU_A, Map.of()));
    other.register(
        new EndpointKey("svc", "b"),
        new Registration(
            "10.0.0.2", 8080, 10, 1, null, null, EU_B, Map.of("m", "3", "a", "2", "z", "1")));

    ClusterView mine = registry.cluster("svc").orElseThrow();
    ClusterView theirs = other.cluster("svc").orElseThrow();

    assertThat(ResourceBuilder.assignment(theirs).toByteString())
        .isEqualTo(ResourceBuilder.assignment(mine).toByteString());
  }

  @Test
  void theClusterIsEdsOverAds() {
    Cluster c = ResourceBuilder.cluster("svc");

    assertThat(c.getName()).isEqualTo("svc");
    assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(c.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
    assertThat(c.getEdsClusterConfig().getServiceName()).isEqualTo("svc");
    assertThat(c.getTypedExtensionProtocolOptionsMap())
        .containsKey("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
  }

  @Test
  void theListenerIsAnApiListenerWithRdsOverAdsAndTheRouterFilterLast()
      throws InvalidProtocolBufferException {
    Listener l = ResourceBuilder.listener("svc");

    assertThat(l.getName()).isEqualTo("svc");
    HttpConnectionManager hcm =
        l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("svc");
    assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
    List<HttpFilter> filters = hcm.getHttpFiltersList();
    assertThat(filters).isNotEmpty();
    HttpFilter last = filters.get(filters.size() - 1);
    assertThat(last.getName()).isEqualTo("envoy.filters.http.router");
    assertThat(last.getTypedConfig().is(Router.class)).isTrue();
  }

  @Test
  void theRouteSendsEverythingToTheClusterOfTheSameName() {
    RouteConfiguration rc = ResourceBuilder.route("svc");

    assertThat(rc.getName()).isEqualTo("svc");
    VirtualHost vh = rc.getVirtualHosts(0);
    assertThat(vh.getDomainsList()).containsExactly("*");
    Route route = vh.getRoutes(0);
    assertThat(route.getMatch().getPrefix()).isEmpty();
    assertThat(route.getRoute().getCluster()).isEqualTo("svc");
  }

  static List<String> hostnames(ClusterLoadAssignment cla) {
    return cla.getEndpointsList().stream()
        .flatMap(g -> g.getLbEndpointsList().stream())
        .map(e -> e.getEndpoint().getHostname())
        .toList();
  }

  private static List<Integer> weights(LocalityLbEndpoints group) {
    return group.getLbEndpointsList().stream()
        .map(e -> e.getLoadBalancingWeight().getValue())
        .toList();
  }

  static void assertLocalityWeightsAreSums(ClusterLoadAssignment cla) {
    for (LocalityLbEndpoints group : cla.getEndpointsList()) {
      long sum =
          group.getLbEndpointsList().stream()
              .mapToLong(e -> Integer.toUnsignedLong(e.getLoadBalancingWeight().getValue()))
              .sum();
      assertThat(group.hasLoadBalancingWeight()).isTrue();
      long weight = Integer.toUnsignedLong(group.getLoadBalancingWeight().getValue());
      assertThat(weight)
          .as(group.getLocality().toString())
          .isGreaterThanOrEqualTo(1)
          .isEqualTo(sum);
    }
  }
}
