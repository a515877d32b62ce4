package io.loadeds.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat.TypeRegistry;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource.ApiType;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * envoy.yaml parses into the v3 {@link Bootstrap} (strictly: unknown fields and unresolvable {@code
 * typed_config} types fail) and its references hold, also against docker-compose.yml. There is no
 * Envoy binary here, so this is what stands between a typo and a demo that does not start.
 */
class EnvoyConfigTest {

  static final String ADS_CLUSTER = "demo";
  static final String REST_CLUSTER = "demo_rest";
  static final int ADS_PORT = 10000;
  static final int REST_PORT = 10001;
  static final String PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  /** Every retry_on value of Envoy's router (x-envoy-retry-on and x-envoy-retry-grpc-on). */
  static final Set<String> RETRY_ON_VALUES =
      Set.of(
          "5xx",
          "gateway-error",
          "reset",
          "reset-before-request",
          "connect-failure",
          "envoy-ratelimited",
          "retriable-4xx",
          "refused-stream",
          "retriable-status-codes",
          "retriable-headers",
          "http3-post-connect-failure",
          "cancelled",
          "deadline-exceeded",
          "internal",
          "resource-exhausted",
          "unavailable");

  static EnvoyBootstrap envoy;
  static TypeRegistry registry;
  static Bootstrap bootstrap;
  static ComposeFile compose;

  @BeforeAll
  static void parse() {
    registry = EnvoyTypes.registry();
    envoy = EnvoyBootstrap.read(DeployFiles.envoyYaml(), registry);
    bootstrap = envoy.bootstrap();
    compose = ComposeFile.read(DeployFiles.dockerCompose());
  }

  @Test
  void everyTypedConfigTypeResolvesInTheEnvoyApi() {
    List<String> typeUrls = envoy.typeUrls();

    assertThat(typeUrls).isNotEmpty();
    assertThat(typeUrls)
        .allSatisfy(
            url ->
                assertThat(registry.find(url.substring(url.lastIndexOf('/') + 1)))
                    .as("descriptor of %s", url)
                    .isNotNull());
  }

  @Test
  void protocolOptionsAreKeyedByTheirOwnTypeName() {
    for (Cluster cluster : bootstrap.getStaticResources().getClustersList()) {
      cluster
          .getTypedExtensionProtocolOptionsMap()
          .forEach(
              (key, any) -> assertThat(any.getTypeUrl()).as(cluster.getName()).endsWith("/" + key));
    }
  }

  @Test
  void nodeAndAdminAreSet() {
    assertThat(bootstrap.getNode().getId()).isNotBlank();
    assertThat(bootstrap.getNode().getCluster()).isNotBlank();
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(9901);
  }

  @Test
  void adsIsGrpcV3ToTheStaticXdsCluster() {
    var ads = bootstrap.getDynamicResources().getAdsConfig();

    assertThat(ads.getApiType()).isEqualTo(ApiType.GRPC);
    assertThat(ads.getTransportApiVersion()).isEqualTo(ApiVersion.V3);
    assertThat(ads.getGrpcServicesList()).hasSize(1);
    assertThat(ads.getGrpcServices(0).getEnvoyGrpc().getClusterName()).isEqualTo("xds_cluster");
    assertThat(cluster("xds_cluster").getType())
        .as("the xDS cluster must not depend on xDS itself")
        .isIn(DiscoveryType.STATIC, DiscoveryType.STRICT_DNS, DiscoveryType.LOGICAL_DNS);
  }

  @Test
  void xdsClusterReachesTheEdsServerServiceOfDockerCompose() {
    String server = serverService();
    SocketAddress address =
        cluster("xds_cluster")
            .getLoadAssignment()
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getEndpoint()
            .getAddress()
            .getSocketAddress();

    assertThat(address.getAddress()).isEqualTo(server);
    assertThat(address.getPortValue()).isEqualTo(serverPort(compose, server));
  }

  @Test
  void listenersServeAdsAndRestModesOnTheirPorts() {
    assertThat(listener(ADS_PORT).getName()).isNotBlank();
    assertThat(routedClusters(listener(ADS_PORT))).containsExactly(ADS_CLUSTER);
    assertThat(routedClusters(listener(REST_PORT))).containsExactly(REST_CLUSTER);
  }

  @Test
  void everyRouteNamesAStaticCluster() {
    List<String> clusters =
        bootstrap.getStaticResources().getClustersList().stream().map(Cluster::getName).toList();
    for (Listener listener : bootstrap.getStaticResources().getListenersList()) {
      assertThat(routes(listener)).isNotEmpty();
      for (Route route : routes(listener)) {
        assertThat(route.getRoute().getClusterSpecifierCase())
            .isEqualTo(RouteAction.ClusterSpecifierCase.CLUSTER);
        assertThat(clusters).contains(route.getRoute().getCluster());
      }
    }
  }

  @Test
  void demoClusterTakesItsEndpointsFromAds() {
    Cluster demo = cluster(ADS_CLUSTER);
    ConfigSource eds = demo.getEdsClusterConfig().getEdsConfig();

    assertThat(demo.getType()).isEqualTo(DiscoveryType.EDS);
    assertThat(eds.getConfigSourceSpecifierCase())
        .isEqualTo(ConfigSource.ConfigSourceSpecifierCase.ADS);
    assertThat(eds.getResourceApiVersion()).isEqualTo(ApiVersion.V3);
  }

  @Test
  void demoRestClusterPollsRestEdsEveryQuarterSecond() {
    Cluster demoRest = cluster(REST_CLUSTER);
    ConfigSource eds = demoRest.getEdsClusterConfig().getEdsConfig();
    ApiConfigSource rest = eds.getApiConfigSource();

    assertThat(demoRest.getType()).isEqualTo(DiscoveryType.EDS);
    assertThat(eds.getResourceApiVersion()).isEqualTo(ApiVersion.V3);
    assertThat(rest.getApiType()).isEqualTo(ApiType.REST);
    assertThat(rest.getTransportApiVersion()).isEqualTo(ApiVersion.V3);
    assertThat(rest.getClusterNamesList()).containsExactly("xds_cluster");
    assertThat(rest.getRefreshDelay()).isEqualTo(Durations.fromMillis(250));
  }

  @Test
  void bothUpstreamClustersReadTheClusterTheBackendsRegisterIn() {
    for (String name : List.of(ADS_CLUSTER, REST_CLUSTER)) {
      assertThat(List.of(cluster(name).getEdsClusterConfig().getServiceName()))
          .as("%s vs the backends' cluster", name)
          .isEqualTo(backendClusters(compose));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {ADS_CLUSTER, REST_CLUSTER, "xds_cluster"})
  void upstreamsSpeakHttp2(String name) throws InvalidProtocolBufferException {
    Any options = cluster(name).getTypedExtensionProtocolOptionsOrThrow(PROTOCOL_OPTIONS);

    assertThat(
            options
                .unpack(HttpProtocolOptions.class)
                .getExplicitHttpConfig()
                .hasHttp2ProtocolOptions())
        .isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {ADS_CLUSTER, REST_CLUSTER})
  void membershipComesFromEdsAloneAndCircuitBreakersDoNotAdmit(String name) {
    Cluster cluster = cluster(name);

    assertThat(cluster.getHealthChecksList()).isEmpty();
    assertThat(cluster.getIgnoreHealthOnHostRemoval()).isTrue();
    var thresholds =
        cluster.getCircuitBreakers().getThresholdsList().stream()
            .filter(t -> t.getPriority() == RoutingPriority.DEFAULT)
            .findFirst()
            .orElseThrow(() -> new AssertionError(name + " has no DEFAULT circuit breaker"));
    // Envoy's defaults are 1024 requests and 3 concurrent retries.
    assertThat(thresholds.getMaxRequests().getValue()).isGreaterThan(1024);
    assertThat(thresholds.getMaxRetries().getValue()).isGreaterThan(3);
  }

  @ParameterizedTest
  @ValueSource(ints = {ADS_PORT, REST_PORT})
  void routesKeepLongStreamsAndMoveRefusedOnesToAnotherHost(int port) throws Exception {
    for (Route route : routes(listener(port))) {
      RouteAction action = route.getRoute();
      RetryPolicy retry = action.getRetryPolicy();
      List<String> retryOn = Arrays.asList(retry.getRetryOn().split(","));

      assertThat(route.getMatch().getPrefix()).isEqualTo("/");
      assertThat(action.hasTimeout()).as("an explicit timeout (0s = none)").isTrue();
      assertThat(action.getTimeout()).isEqualTo(Durations.ZERO);
      assertThat(RETRY_ON_VALUES).containsAll(retryOn);
      assertThat(retryOn).contains("resource-exhausted", "unavailable", "refused-stream");
      // One retry for every other backend at least.
      assertThat(retry.getNumRetries().getValue())
          .isGreaterThanOrEqualTo(backendServices().size() - 1);
      assertThat(retry.getRetryHostPredicateList()).hasSize(1);
      assertThat(retry.getRetryHostPredicate(0).getName())
          .isEqualTo("envoy.retry_host_predicates.previous_hosts");
      retry.getRetryHostPredicate(0).getTypedConfig().unpack(PreviousHostsPredicate.class);
      assertThat(retry.getHostSelectionRetryMaxAttempts()).isGreaterThan(1);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {ADS_PORT, REST_PORT})
  void connectionManagerEndsWithTheRouterAndNeverIdlesStreamsOut(int port) throws Exception {
    HttpConnectionManager hcm = connectionManager(listener(port));
    List<HttpFilter> filters = hcm.getHttpFiltersList();
    HttpFilter last = filters.get(filters.size() - 1);

    assertThat(last.getName()).isEqualTo("envoy.filters.http.router");
    last.getTypedConfig().unpack(Router.class);
    assertThat(hcm.getStreamIdleTimeout()).isEqualTo(Durations.ZERO);
  }

  // ---------------------------------------------------------------------------------- helpers

  /** The compose service built from the repository root: the server. */
  static String serverService() {
    return serverService(compose);
  }

  static String serverService(ComposeFile compose) {
    List<String> services = compose.servicesBuiltFrom(DeployFiles.projectDir());
    assertThat(services).as("compose services built from the repository root").hasSize(1);
    return services.get(0);
  }

  /** The port the server listens on in its container: LOADEDS_HTTP_PORT, default 18000. */
  static int serverPort(ComposeFile compose, String service) {
    return Integer.parseInt(
        compose.environment(service).getOrDefault("LOADEDS_HTTP_PORT", "18000"));
  }

  static List<String> backendServices() {
    return compose.servicesBuiltFrom(DeployFiles.projectDir().resolve("demo-backend"));
  }

  /** The LoadEDS clusters the compose backends register in (--cluster, else CLUSTER, else demo). */
  static List<String> backendClusters(ComposeFile compose) {
    List<String> backends =
        compose.servicesBuiltFrom(DeployFiles.projectDir().resolve("demo-backend"));
    assertThat(backends).as("compose services built from demo-backend").isNotEmpty();
    return backends.stream()
        .map(
            b ->
                compose
                    .commandFlag(b, "--cluster")
                    .orElse(compose.environment(b).getOrDefault("CLUSTER", "demo")))
        .distinct()
        .toList();
  }

  static Cluster cluster(String name) {
    return envoy.cluster(name);
  }

  static Listener listener(int port) {
    return envoy.listener(port);
  }

  static HttpConnectionManager connectionManager(Listener listener) {
    return envoy.connectionManager(listener);
  }

  static List<Route> routes(Listener listener) {
    return envoy.routes(listener);
  }

  static List<String> routedClusters(Listener listener) {
    return envoy.routedClusters(listener);
  }
}
