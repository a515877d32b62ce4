package io.loadeds.xds;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.names;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.loadeds.snapshot.ResourceBuilder;
import io.loadeds.snapshot.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a real server publishes over ADS for a registered cluster, and how load changes it. */
class AdsResourcesTest {
  private TestServer server;
  private XdsStream ads;

  @BeforeEach
  void start() {
    server = TestServer.start();
    ads =
        new XdsStream(
            AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
    server.register("svc", "s1", 8080);
    server.awaitPublished("svc");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void anEndpointReportingActiveEqualToCapacityLeavesAndTheClusterDropsEverything() {
    DiscoveryResponse r1 = ads.subscribe(ResourceType.ENDPOINT, "svc");
    ads.ack(r1, "svc");

    server.active("svc", "s1", 10);

    assertDropsEverything(assignment(ads.next()));
  }

  @Test
  void theDropGoesAwayWithTheFirstAdmittedEndpoint() {
    server.active("svc", "s1", 10);
    server.awaitDropping("svc");
    DiscoveryResponse r1 = ads.subscribe(ResourceType.ENDPOINT, "svc");
    assertDropsEverything(assignment(r1));
    ads.ack(r1, "svc");

    server.active("svc", "s1", 3);

    ClusterLoadAssignment recovered = assignment(ads.next());
    assertThat(ports(recovered)).containsExactly(8080);
    assertThat(recovered.getEndpoints(0).getLbEndpoints(0).getLoadBalancingWeight().getValue())
        .isEqualTo(7);
    assertThat(recovered.getPolicy().getDropOverloadsList()).isEmpty();
  }

  /**
   * All full: a 100% drop category, so Envoy answers 503 and gRPC fails fast. The full endpoint may
   * stay listed under it (grpc-java ignores the drop of an assignment without endpoints), but no
   * other may.
   */
  private static void assertDropsEverything(ClusterLoadAssignment cla) {
    assertThat(cla.getPolicy().getDropOverloadsList())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getCategory()).isEqualTo(ResourceBuilder.NO_CAPACITY_CATEGORY);
              assertThat(d.getDropPercentage().getNumerator()).isEqualTo(100);
              assertThat(d.getDropPercentage().getDenominator())
                  .isEqualTo(FractionalPercent.DenominatorType.HUNDRED);
            });
    assertThat(ports(cla)).isSubsetOf(8080);
  }

  @Test
  void theListenerIsAnApiListenerWithRdsOverAdsAndTheRouterFilter() throws Exception {
    DiscoveryResponse r = ads.subscribe(ResourceType.LISTENER, "svc");

    assertThat(names(r)).containsExactly("svc");
    Listener listener = r.getResources(0).unpack(Listener.class);
    HttpConnectionManager hcm =
        listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("svc");
    assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
    assertThat(hcm.getHttpFiltersList()).isNotEmpty();
    HttpFilter last = hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1);
    assertThat(last.getTypedConfig().is(Router.class)).as("router filter last").isTrue();
  }

  @Test
  void theRouteConfigurationSendsEverythingToTheCluster() throws Exception {
    DiscoveryResponse r = ads.subscribe(ResourceType.ROUTE, "svc");

    RouteConfiguration rc = r.getResources(0).unpack(RouteConfiguration.class);
    assertThat(rc.getName()).isEqualTo("svc");
    assertThat(rc.getVirtualHostsList())
        .singleElement()
        .satisfies(
            vh -> {
              assertThat(vh.getDomainsList()).containsExactly("*");
              Route route = vh.getRoutes(0);
              assertThat(route.getMatch().getPrefix()).isEmpty();
              assertThat(route.getRoute().getCluster()).isEqualTo("svc");
            });
  }

  @Test
  void theClusterIsEdsOverAds() throws Exception {
    DiscoveryResponse r = ads.subscribe(ResourceType.CLUSTER, "svc");

    Cluster cluster = r.getResources(0).unpack(Cluster.class);
    assertThat(cluster.getName()).isEqualTo("svc");
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(cluster.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
    assertThat(cluster.getEdsClusterConfig().getServiceName()).isEqualTo("svc");
  }

  @Test
  void aWildcardCdsSubscriptionIsToldOfANewCluster() {
    DiscoveryResponse r1 = ads.subscribe(ResourceType.CLUSTER);
    assertThat(names(r1)).containsExactly("svc");
    ads.ack(r1);

    server.register("other", "o1", 9090);

    assertThat(names(ads.next())).containsExactly("other", "svc");
  }

  @Test
  void oneStreamCarriesEveryTypeAnAsProxylessGrpcClientAsksForThem() {
    assertThat(names(ads.subscribe(ResourceType.LISTENER, "svc"))).containsExactly("svc");
    assertThat(names(ads.subscribe(ResourceType.ROUTE, "svc"))).containsExactly("svc");
    assertThat(names(ads.subscribe(ResourceType.CLUSTER, "svc"))).containsExactly("svc");
    assertThat(ports(assignment(ads.subscribe(ResourceType.ENDPOINT, "svc"))))
        .containsExactly(8080);
  }
}
