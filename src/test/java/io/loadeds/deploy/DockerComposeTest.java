package io.loadeds.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.config.ConfigKey;
import io.loadeds.deploy.ComposeFile.Build;
import io.loadeds.deploy.ComposeFile.PortMapping;
import io.loadeds.deploy.Dockerfile.Instruction;
import io.loadeds.deploy.Dockerfile.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docker-compose.yml parses and agrees with itself, with envoy.yaml, with the Dockerfiles it builds
 * and with the jars the Maven builds produce. There is no Docker engine here: this is static.
 */
class DockerComposeTest {

  static final String SERVER = "eds-server";
  static final String ENVOY = "envoy";
  static final String CLIENT = "client";
  static final List<String> BACKENDS = List.of("backend-1", "backend-2", "backend-3");

  static Path root;
  static ComposeFile compose;
  static JsonNode envoy;

  @BeforeAll
  static void read() {
    root = DeployFiles.projectDir();
    compose = ComposeFile.read(DeployFiles.dockerCompose());
    envoy = DeployFiles.readYaml(DeployFiles.envoyYaml());
  }

  @Test
  void declaresTheServerEnvoyThreeBackendsAndTheClient() {
    assertThat(compose.serviceNames()).contains(SERVER, ENVOY, CLIENT).containsAll(BACKENDS);
    assertThat(compose.servicesBuiltFrom(root)).containsExactly(SERVER);
    assertThat(compose.servicesBuiltFrom(root.resolve("demo-backend")))
        .containsExactlyInAnyOrderElementsOf(BACKENDS);
    assertThat(compose.servicesBuiltFrom(root.resolve("demo-client"))).containsExactly(CLIENT);
  }

  /**
   * Every LOADEDS_* variable the deployment files set names a real setting: an unknown one is
   * silently ignored by the server (the files once set LOADEDS_PORT and LOADEDS_DEFAULT_TTL, which
   * the server never read).
   */
  @Test
  void everyServerVariableTheDeploymentFilesSetIsASetting() throws Exception {
    Set<String> known =
        ConfigKey.ALL.stream().map(ConfigKey::env).collect(Collectors.toCollection(HashSet::new));
    known.add(io.loadeds.config.ConfigLoader.CONFIG_ENV);
    Pattern variable = Pattern.compile("\\bLOADEDS_[A-Z0-9_]+");
    List<Path> files =
        List.of(
            DeployFiles.dockerCompose(),
            root.resolve("src/main/docker/Dockerfile"),
            root.resolve("src/main/docker/cluster/compose.yaml"));
    Set<String> seen = new HashSet<>();
    for (Path file : files) {
      Matcher m = variable.matcher(Files.readString(file));
      while (m.find()) {
        assertThat(known).as("%s sets %s", root.relativize(file), m.group()).contains(m.group());
        seen.add(m.group());
      }
    }
    assertThat(seen).contains("LOADEDS_HTTP_PORT", "LOADEDS_REGISTRY_DEFAULT_TTL");
  }

  @Test
  void buildContextsAndDockerfilesExist() {
    for (String service : compose.serviceNames()) {
      compose
          .build(service)
          .ifPresent(
              build -> {
                assertThat(build.context()).as(service).isDirectory();
                assertThat(build.dockerfile()).as(service).isRegularFile();
              });
    }
  }

  @Test
  void serverPublishesThePortItListensOn() {
    int port = EnvoyConfigTest.serverPort(compose, SERVER);

    assertThat(compose.ports(SERVER)).extracting(PortMapping::target).contains(port);
  }

  @Test
  void backendsRegisterWithTheServerService() {
    String edsServer = SERVER + ":" + EnvoyConfigTest.serverPort(compose, SERVER);
    for (String backend : BACKENDS) {
      assertThat(compose.environment(backend).get("EDS_SERVER")).as(backend).isEqualTo(edsServer);
    }
    // The client's proxyless mode (--xds) reads its xDS server from XDS_SERVER.
    assertThat(compose.environment(CLIENT).getOrDefault("XDS_SERVER", edsServer))
        .isEqualTo(edsServer);
  }

  @Test
  void backendsAdvertiseTheirOwnFixedAddressInsideTheNetworkSubnet() {
    Set<String> addresses = new HashSet<>();
    for (String backend : BACKENDS) {
      Map<String, JsonNode> networks = compose.networks(backend);
      assertThat(networks).as(backend).hasSize(1);
      Map.Entry<String, JsonNode> network = networks.entrySet().iterator().next();
      String fixed = network.getValue().path("ipv4_address").asText();
      JsonNode ipam = compose.network(network.getKey()).path("ipam").path("config").path(0);
      Cidr subnet = Cidr.parse(ipam.path("subnet").asText());

      assertThat(compose.environment(backend).get("MY_IP")).as(backend).isEqualTo(fixed);
      assertThat(subnet.contains(fixed)).as("%s in %s", fixed, subnet).isTrue();
      assertThat(fixed).isNotIn(subnet.first(), subnet.gateway(), subnet.last());
      if (ipam.has("ip_range")) {
        Cidr dynamic = Cidr.parse(ipam.path("ip_range").asText());
        assertThat(dynamic.contains(fixed))
            .as("%s outside the dynamic %s", fixed, dynamic)
            .isFalse();
      }
      assertThat(addresses.add(fixed)).as("%s is taken twice", fixed).isTrue();
    }
  }

  @Test
  void backendsHaveDistinctIdsAndCapacityThree() {
    List<String> ids = new ArrayList<>();
    for (String backend : BACKENDS) {
      ids.add(compose.commandFlag(backend, "--id").orElseThrow());
      assertThat(compose.commandFlag(backend, "--capacity")).as(backend).contains("3");
      assertThat(compose.commandFlag(backend, "--port")).as(backend).isPresent();
    }
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  void envoyPublishesItsListenersAndItsAdminOnLoopback() {
    List<Integer> listenerPorts = new ArrayList<>();
    envoy
        .path("static_resources")
        .path("listeners")
        .forEach(
            l ->
                listenerPorts.add(
                    l.path("address").path("socket_address").path("port_value").asInt()));
    int adminPort =
        envoy.path("admin").path("address").path("socket_address").path("port_value").asInt();
    List<PortMapping> published = compose.ports(ENVOY);

    assertThat(listenerPorts).containsExactlyInAnyOrder(10000, 10001);
    assertThat(published)
        .extracting(PortMapping::target)
        .containsAll(listenerPorts)
        .contains(adminPort);
    assertThat(published)
        .filteredOn(p -> p.target() == adminPort)
        .extracting(PortMapping::hostIp)
        .containsOnly("127.0.0.1");
  }

  @Test
  void envoyRunsAPinnedOfficialImageWithEnvoyYaml() {
    String image = compose.service(ENVOY).path("image").asText();
    List<String> command = compose.command(ENVOY);
    String configPath =
        compose.commandFlag(ENVOY, "-c").orElse(command.isEmpty() ? "/etc/envoy/envoy.yaml" : "");

    assertThat(image).matches("envoyproxy/envoy:v\\d+\\.\\d+\\.\\d+(@sha256:[0-9a-f]{64})?");
    assertThat(compose.volumes(ENVOY))
        .anyMatch(v -> v.matches("\\./envoy\\.yaml:" + configPath.replace(".", "\\.") + "(:ro)?"));
  }

  @Test
  void everyServiceSharesTheBackendsNetwork() {
    String network = compose.networks(BACKENDS.get(0)).keySet().iterator().next();
    for (String service : compose.serviceNames()) {
      assertThat(compose.networks(service)).as(service).containsKey(network);
    }
  }

  @Test
  void clientRunsOnDemandAgainstEnvoy() {
    assertThat(compose.profiles(CLIENT)).contains("client");
    assertThat(compose.commandFlag(CLIENT, "--target"))
        .contains(ENVOY + ":" + EnvoyConfigTest.ADS_PORT);
  }

  // ------------------------------------------------------------------------------- Dockerfiles

  /** Every image the compose file builds, with the jar its Maven build produces. */
  static Stream<Arguments> images() {
    Path base = DeployFiles.projectDir();
    ComposeFile file = ComposeFile.read(DeployFiles.dockerCompose());
    return file.serviceNames().stream()
        .flatMap(s -> file.build(s).stream())
        .distinct()
        .map(
            build -> {
              String fallback =
                  build.context().equals(base)
                      ? "loadeds-server"
                      : build.context().getFileName().toString();
              return Arguments.of(base.relativize(build.dockerfile()).toString(), build, fallback);
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void finalStageRunsTheJarTheBuildStageProduces(String name, Build build, String fallback) {
    String jar = DeployFiles.fatJarName(build.context(), fallback);
    Dockerfile dockerfile = Dockerfile.read(build.dockerfile());
    Stage runtime = dockerfile.finalStage();
    List<String> entrypoint = runtime.last("ENTRYPOINT").orElseThrow().execForm();
    int jarFlag = entrypoint.indexOf("-jar");

    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(jarFlag).as("-jar in %s", entrypoint).isPositive();
    String jarPath = entrypoint.get(jarFlag + 1);
    assertThat(Path.of(jarPath).getFileName()).hasToString(jar);

    // ...and that path is where the jar from the build stage's target/ lands.
    Instruction copy =
        runtime.all("COPY").stream()
            .filter(c -> c.arguments().startsWith("--from="))
            .filter(c -> last(c.words()).equals(jarPath))
            .findFirst()
            .orElseThrow(() -> new AssertionError(name + ": no COPY --from=... to " + jarPath));
    String from = copy.words().get(0).substring("--from=".length());
    Stage builder =
        dockerfile.stage(from).orElseThrow(() -> new AssertionError(name + ": no stage " + from));
    String workdir = builder.last("WORKDIR").map(Instruction::arguments).orElse("/");
    // COPY --from reads from the root of the other stage, whatever its WORKDIR.
    Path source = Path.of("/").resolve(copy.words().get(copy.words().size() - 2));
    assertThat(source).isEqualTo(Path.of(workdir, "target", jar));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void buildsWithMavenAndRunsOnAJreAsAnUnprivilegedUser(String name, Build build, String fallback) {
    String release =
        DeployFiles.pomProperty(build.context(), "maven.compiler.release").orElse("17");
    Dockerfile dockerfile = Dockerfile.read(build.dockerfile());
    Stage runtime = dockerfile.finalStage();

    assertThat(dockerfile.stages()).as(name).hasSizeGreaterThanOrEqualTo(2);
    assertThat(dockerfile.stages().get(0).image())
        .isEqualTo("maven:3.9-eclipse-temurin-" + release);
    assertThat(runtime.image()).isEqualTo("eclipse-temurin:" + release + "-jre");
    String user = runtime.last("USER").map(Instruction::arguments).orElse("root").split(":")[0];
    assertThat(user).as(name).isNotIn("root", "0");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void fetchesDependenciesInALayerBeforeTheSources(String name, Build build, String fallback) {
    Stage builder = Dockerfile.read(build.dockerfile()).stages().get(0);
    int pom = builder.indexOf("COPY", "pom.xml");
    int offline = builder.indexOf("RUN", "dependency:go-offline");
    int sources = builder.indexOf("COPY", "src");
    int packaging = builder.indexOf("RUN", " package");

    assertThat(pom).as(name + ": COPY pom.xml").isNotNegative();
    assertThat(offline).as(name + ": go-offline after the pom").isGreaterThan(pom);
    assertThat(sources).as(name + ": sources after go-offline").isGreaterThan(offline);
    assertThat(packaging).as(name + ": package after the sources").isGreaterThan(sources);
    if (Files.exists(build.context().resolve("pom.xml"))) {
      assertThat(build.context().resolve("src")).as(name + ": the src/ it copies").isDirectory();
    }
  }

  @Test
  void serverImageCopiesEveryModuleOfTheRootPom() {
    Build build = compose.build(SERVER).orElseThrow();
    Stage builder = Dockerfile.read(build.dockerfile()).stages().get(0);

    for (String module : DeployFiles.pomModules(root)) {
      assertThat(builder.indexOf("COPY", module)).as("COPY of module %s", module).isNotNegative();
    }
  }

  private static String last(List<String> words) {
    return words.get(words.size() - 1);
  }
}
