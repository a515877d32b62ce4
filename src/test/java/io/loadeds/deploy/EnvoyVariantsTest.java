package io.loadeds.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.envoyproxy.envoy.config.core.v3.ConfigSource.ConfigSourceSpecifierCase;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.loadeds.snapshot.ResourceBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Envoy bootstrap of the repository, envoy.yaml and one variant per xDS mode in {@code
 * src/main/envoy/}, parses strictly into the v3 {@link Bootstrap}, is complete (admin, a gRPC
 * listener on :10000 routing to a cluster Envoy will have, the LoadEDS server of
 * docker-compose.yml) and selects the mode its name says: {@code
 * envoy-<ads|eds>-<sotw|delta|rest>.yaml}.
 */
class EnvoyVariantsTest {
  static final int LISTENER_PORT = 10000;
  static final String XDS_CLUSTER = "xds_cluster";
  static final String PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  // An optional suffix names what the variant adds on top of the mode, e.g. -ext-proc.
  static final Pattern VARIANT_NAME =
      Pattern.compile("envoy-(ads|eds)-(sotw|delta|rest)(-[a-z-]+)?\\.yaml");

  /**
   * The xDS modes an Envoy can use to take endpoints from LoadEDS, and the server method that
   * serves each. Envoy has no ADS over REST and no delta over REST.
   */
  enum Mode {
    ADS_SOTW(true, ApiType.GRPC, "StreamAggregatedResources"),
    ADS_DELTA(true, ApiType.DELTA_GRPC, "DeltaAggregatedResources"),
    EDS_SOTW(false, ApiType.GRPC, "StreamEndpoints"),
    EDS_DELTA(false, ApiType.DELTA_GRPC, "DeltaEndpoints"),
    EDS_REST(false, ApiType.REST, "/v3/discovery:endpoints");

    final boolean ads;
    final ApiType apiType;
    final String servedBy;

    Mode(boolean ads, ApiType apiType, String servedBy) {
      this.ads = ads;
      this.apiType = apiType;
      this.servedBy = servedBy;
    }

    /** The mode a variant's file name announces. */
    static Mode ofFileName(String name) {
      Matcher m = VARIANT_NAME.matcher(name);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            name + " is not named envoy-<ads|eds>-<sotw|delta|rest>[-<what it adds>].yaml");
      }
      return valueOf((m.group(1) + "_" + m.group(2)).toUpperCase(Locale.ROOT));
    }
  }

  /** A bootstrap file and the mode it claims. */
  record Variant(Path file, Mode mode) {
    boolean inVariantsDir() {
      return file.getParent().equals(variantsDir());
    }

    @Override
    public String toString() {
      return DeployFiles.projectDir().relativize(file) + " (" + mode + ")";
    }
  }

  static TypeRegistry registry;
  static ComposeFile compose;

  @BeforeAll
  static void read() {
    registry = EnvoyTypes.registry();
    compose = ComposeFile.read(DeployFiles.dockerCompose());
  }

  static Path variantsDir() {
    return DeployFiles.projectDir().resolve("src/main/envoy");
  }

  /** envoy.yaml (its :10000 listener takes endpoints over SotW ADS) and every file of the dir. */
  static List<Variant> variants() {
    List<Variant> out = new ArrayList<>();
    out.add(new Variant(DeployFiles.envoyYaml(), Mode.ADS_SOTW));
    for (Path file : variantFiles()) {
      out.add(new Variant(file, Mode.ofFileName(file.getFileName().toString())));
    }
    return out;
  }

  static List<Path> variantFiles() {
    try (Stream<Path> files = Files.list(variantsDir())) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Variant> variantsInDir() {
    return variants().stream().filter(Variant::inVariantsDir).toList();
  }

  static EnvoyBootstrap parse(Variant v) {
    return EnvoyBootstrap.read(v.file(), registry);
  }

  // ------------------------------------------------------------------------- the set of variants

  @Test
  void everyFileInTheVariantsDirIsNamedForItsMode() {
    assertThat(variantFiles()).isNotEmpty();
    assertThat(variantFiles())
        .allSatisfy(f -> assertThat(f.getFileName().toString()).matches(VARIANT_NAME));
  }

  @Test
  void everyModeHasAVariant() {
    Set<Mode> covered =
        variants().stream()
            .map(Variant::mode)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Mode.class)));

    assertThat(covered).containsExactlyInAnyOrder(Mode.values());
  }

  // ------------------------------------------------------------------------- each variant

  @ParameterizedTest
  @MethodSource("variants")
  void parsesStrictlyAndEveryTypeResolves(Variant v) {
    List<String> typeUrls = parse(v).typeUrls();

    assertThat(typeUrls).isNotEmpty();
    assertThat(typeUrls)
        .allSatisfy(
            url ->
                assertThat(registry.find(url.substring(url.lastIndexOf('/') + 1)))
                    .as("descriptor of %s", url)
                    .isNotNull());
  }

  @ParameterizedTest
  @MethodSource("variants")
  void hasANodeAnAdminAndAGrpcListenerOn10000(Variant v) {
    EnvoyBootstrap envoy = parse(v);
    Bootstrap b = envoy.bootstrap();
    HttpConnectionManager hcm = envoy.connectionManager(envoy.listener(LISTENER_PORT));
    List<HttpFilter> filters = hcm.getHttpFiltersList();

    assertThat(b.getNode().getId()).isNotBlank();
    assertThat(b.getNode().getCluster()).isNotBlank();
    assertThat(b.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(9901);
    if (v.inVariantsDir()) {
      assertThat(envoy.listeners()).as("minimal: one listener").hasSize(1);
    }
    assertThat(envoy.routedClusters(envoy.listener(LISTENER_PORT))).hasSize(1);
    assertThat(filters.get(filters.size() - 1).getName()).isEqualTo("envoy.filters.http.router");
    assertThat(filters.get(filters.size() - 1).getTypedConfig().is(Router.class)).isTrue();
    // The demo client holds streams open without traffic.
    assertThat(hcm.getStreamIdleTimeout()).isEqualTo(Durations.ZERO);
    for (Route route : envoy.routes(envoy.listener(LISTENER_PORT))) {
      assertThat(route.getRoute().getTimeout()).isEqualTo(Durations.ZERO);
    }
  }

  @ParameterizedTest
  @MethodSource("variants")
  void everyRouteNamesAClusterEnvoyWillHave(Variant v) {
    EnvoyBootstrap envoy = parse(v);
    List<String> fromCds = cdsOverAds(envoy) ? EnvoyConfigTest.backendClusters(compose) : List.of();
    if (!fromCds.isEmpty()) {
      // Envoy refuses a CDS update of a static cluster.
      assertThat(envoy.staticClusterNames()).doesNotContainAnyElementsOf(fromCds);
    }

    for (Listener listener : envoy.listeners()) {
      var routeConfig = envoy.connectionManager(listener).getRouteConfig();
      assertThat(envoy.routes(listener)).as(listener.getName()).isNotEmpty();
      for (Route route : envoy.routes(listener)) {
        String cluster = route.getRoute().getCluster();
        if (envoy.staticClusterNames().contains(cluster)) {
          continue;
        }
        assertThat(fromCds)
            .as("%s routes to %s, neither static nor from CDS", v, cluster)
            .contains(cluster);
        // A static route table checks its clusters when it loads, before CDS has delivered any.
        assertThat(routeConfig.hasValidateClusters()).as("validate_clusters set").isTrue();
        assertThat(routeConfig.getValidateClusters().getValue()).isFalse();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("variants")
  void theXdsClusterIsTheServerOfDockerComposeOverHttp2(Variant v) throws Exception {
    Cluster xds = parse(v).cluster(XDS_CLUSTER);
    String server = EnvoyConfigTest.serverService(compose);
    SocketAddress address =
        xds.getLoadAssignment()
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getEndpoint()
            .getAddress()
            .getSocketAddress();

    assertThat(address.getAddress()).isEqualTo(server);
    assertThat(address.getPortValue()).isEqualTo(EnvoyConfigTest.serverPort(compose, server));
    assertThat(xds.getType())
        .as("the xDS cluster must not depend on xDS itself")
        .isIn(DiscoveryType.STATIC, DiscoveryType.STRICT_DNS, DiscoveryType.LOGICAL_DNS);
    assertThat(http2(xds)).isTrue();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void theRoutedClusterReadsTheBackendsClusterOverHttp2(Variant v) throws Exception {
    EnvoyBootstrap envoy = parse(v);
    Cluster demo = routedCluster(envoy);

    assertThat(demo.getType()).isEqualTo(DiscoveryType.EDS);
    assertThat(List.of(demo.getEdsClusterConfig().getServiceName()))
        .isEqualTo(EnvoyConfigTest.backendClusters(compose));
    assertThat(http2(demo)).as("gRPC needs HTTP/2 to the backends").isTrue();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void selectsTheModeItsNameSays(Variant v) {
    assertSelects(v.mode(), parse(v));
  }

  /** The check above is not vacuous: the same file with another api_type fails it. */
  @ParameterizedTest
  @MethodSource("variants")
  void aMislabelledVariantFailsTheModeCheck(Variant v) throws IOException {
    ApiType other = v.mode().apiType == ApiType.GRPC ? ApiType.DELTA_GRPC : ApiType.GRPC;
    String text = Files.readString(v.file());
    String mislabelled =
        text.replaceAll("api_type: " + v.mode().apiType + "\\b", "api_type: " + other);
    assertThat(mislabelled).isNotEqualTo(text);
    EnvoyBootstrap envoy = EnvoyBootstrap.parse(v.file(), mislabelled, registry);

    assertThatThrownBy(() -> assertSelects(v.mode(), envoy)).isInstanceOf(AssertionError.class);
  }

  @ParameterizedTest
  @MethodSource("variantsInDir")
  void startsWithACommentNamingItsModeAndHowToRunIt(Variant v) {
    String header = parse(v).header();
    String name = v.file().getFileName().toString();
    String mounted = composeEnvoyConfigPath();

    assertThat(header).as("header comment").isNotBlank();
    assertThat(header).contains(v.mode().servedBy);
    assertThat(header).containsPattern("api_type " + v.mode().apiType + "\\b");
    for (ApiType other : List.of(ApiType.GRPC, ApiType.DELTA_GRPC, ApiType.REST)) {
      if (other != v.mode().apiType) {
        assertThat(header).doesNotContainPattern("api_type " + other + "\\b");
      }
    }
    assertThat(header).contains("./src/main/envoy/" + name + ":" + mounted);
    assertThat(header).contains("envoy -c src/main/envoy/" + name);
  }

  /** README's "Choosing the xDS mode" table names each variant with its api_type and server. */
  @ParameterizedTest
  @MethodSource("variantsInDir")
  void theReadmeTableRowOfTheVariantSaysWhatTheFileDoes(Variant v) throws IOException {
    String readme = Files.readString(DeployFiles.projectDir().resolve("README.md"));
    int start = readme.indexOf("\n### Choosing the xDS mode\n");
    assertThat(start).as("README section 'Choosing the xDS mode'").isNotNegative();
    String name = "`" + v.file().getFileName() + "`";
    List<String> rows =
        readme
            .substring(start)
            .lines()
            .takeWhile(l -> !l.startsWith("## "))
            .filter(l -> l.startsWith("|") && l.contains(name))
            .toList();

    assertThat(rows).as("README rows naming %s", name).hasSize(1);
    assertThat(rows.get(0))
        .contains("api_type: " + v.mode().apiType + "`")
        .contains(v.mode().servedBy);
  }

  // ------------------------------------------------------------------------- helpers

  /** Asserts that {@code envoy}'s :10000 cluster takes its endpoints the way {@code mode} says. */
  static void assertSelects(Mode mode, EnvoyBootstrap envoy) {
    var dynamic = envoy.bootstrap().getDynamicResources();
    ConfigSource eds = routedCluster(envoy).getEdsClusterConfig().getEdsConfig();
    assertThat(eds.getResourceApiVersion()).isEqualTo(ApiVersion.V3);
    if (mode.ads) {
      assertThat(eds.getConfigSourceSpecifierCase()).isEqualTo(ConfigSourceSpecifierCase.ADS);
      assertThat(dynamic.hasAdsConfig()).as("ads_config").isTrue();
      assertThat(dynamic.getAdsConfig().getApiType()).isEqualTo(mode.apiType);
      assertGrpcToXdsCluster(dynamic.getAdsConfig());
      if (dynamic.hasCdsConfig()) {
        assertThat(dynamic.getCdsConfig().getConfigSourceSpecifierCase())
            .isEqualTo(ConfigSourceSpecifierCase.ADS);
        assertThat(dynamic.getCdsConfig().getResourceApiVersion()).isEqualTo(ApiVersion.V3);
      }
      return;
    }
    // Per type: one stream (or poll) for EDS alone, no ADS stream opened for nothing.
    assertThat(envoy.bootstrap().hasDynamicResources()).as("dynamic_resources").isFalse();
    assertThat(eds.getConfigSourceSpecifierCase())
        .isEqualTo(ConfigSourceSpecifierCase.API_CONFIG_SOURCE);
    ApiConfigSource source = eds.getApiConfigSource();
    assertThat(source.getApiType()).isEqualTo(mode.apiType);
    if (mode.apiType == ApiType.REST) {
      assertThat(source.getTransportApiVersion()).isEqualTo(ApiVersion.V3);
      assertThat(source.getClusterNamesList()).containsExactly(XDS_CLUSTER);
      assertThat(source.getGrpcServicesList()).isEmpty();
      assertThat(Durations.toMillis(source.getRefreshDelay())).isPositive();
    } else {
      assertGrpcToXdsCluster(source);
    }
  }

  private static void assertGrpcToXdsCluster(ApiConfigSource source) {
    assertThat(source.getTransportApiVersion()).isEqualTo(ApiVersion.V3);
    assertThat(source.getClusterNamesList()).as("cluster_names (REST only)").isEmpty();
    assertThat(source.getGrpcServicesList()).hasSize(1);
    assertThat(source.getGrpcServices(0).getEnvoyGrpc().getClusterName()).isEqualTo(XDS_CLUSTER);
  }

  /** Whether clusters come from CDS over ADS: LoadEDS then serves one per registered cluster. */
  static boolean cdsOverAds(EnvoyBootstrap envoy) {
    var dynamic = envoy.bootstrap().getDynamicResources();
    return dynamic.hasCdsConfig()
        && dynamic.getCdsConfig().getConfigSourceSpecifierCase() == ConfigSourceSpecifierCase.ADS;
  }

  /** The cluster the :10000 listener routes to: static, or the one LoadEDS serves over CDS. */
  static Cluster routedCluster(EnvoyBootstrap envoy) {
    String name = envoy.routedClusters(envoy.listener(LISTENER_PORT)).get(0);
    return envoy
        .staticCluster(name)
        .orElseGet(
            () -> {
              assertThat(cdsOverAds(envoy))
                  .as("%s is not static, so it must come from CDS over ADS", name)
                  .isTrue();
              return ResourceBuilder.cluster(name);
            });
  }

  private static boolean http2(Cluster cluster) throws InvalidProtocolBufferException {
    return cluster
        .getTypedExtensionProtocolOptionsOrThrow(PROTOCOL_OPTIONS)
        .unpack(HttpProtocolOptions.class)
        .getExplicitHttpConfig()
        .hasHttp2ProtocolOptions();
  }

  /** Where docker-compose.yml mounts envoy.yaml in the Envoy container. */
  private static String composeEnvoyConfigPath() {
    return compose.volumes(DockerComposeTest.ENVOY).stream()
        .filter(vol -> vol.startsWith("./envoy.yaml:"))
        .map(vol -> vol.split(":")[1])
        .findFirst()
        .orElseThrow(() -> new AssertionError("compose does not mount ./envoy.yaml into envoy"));
  }
}
