package io.loadeds.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.loadeds.config.ConfigKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scale-out variant of docker-compose (src/main/docker/cluster/compose.yaml, layered over
 * docker-compose.yml) and its Envoy bootstrap: two replicas built like the one server, that find
 * each other at fixed addresses, both listed in Envoy's xds_cluster, and nothing else changed.
 * Static, like {@link DockerComposeTest}: there is no Docker engine here.
 */
class ClusterComposeTest {
  static final List<String> REPLICAS = List.of("eds-server", "eds-server-2");

  static Path dir;
  static JsonNode base;
  static JsonNode overlay;

  @BeforeAll
  static void read() {
    dir = DeployFiles.projectDir().resolve("src/main/docker/cluster");
    base = DeployFiles.readYaml(DeployFiles.dockerCompose());
    overlay = DeployFiles.readYaml(dir.resolve("compose.yaml"));
  }

  static JsonNode service(JsonNode file, String name) {
    return file.path("services").path(name);
  }

  @Test
  void theSecondReplicaIsBuiltAndConfiguredLikeTheServer() {
    assertThat(service(overlay, "eds-server-2").path("build"))
        .isEqualTo(service(base, "eds-server").path("build"));
    JsonNode serverEnv = service(base, "eds-server").path("environment");
    JsonNode replicaEnv = service(overlay, "eds-server-2").path("environment");
    for (Iterator<Map.Entry<String, JsonNode>> it = serverEnv.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      assertThat(replicaEnv.path(e.getKey()).asText())
          .as(e.getKey())
          .isEqualTo(e.getValue().asText());
    }
    // Every service the overlay changes exists in the main file, but the new replica.
    overlay
        .path("services")
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (!name.equals("eds-server-2")) {
                assertThat(base.path("services").has(name)).as(name).isTrue();
              }
            });
  }

  @Test
  void bothReplicasAreClusteredAndListEachOtherAtTheirFixedAddresses() {
    Set<String> addresses = new TreeSet<>();
    Set<String> memberLists = new TreeSet<>();
    for (String name : REPLICAS) {
      JsonNode s = service(overlay, name);
      JsonNode env = s.path("environment");
      String address = s.path("networks").path("demo").path("ipv4_address").asText();
      assertThat(env.path("LOADEDS_CLUSTER_ENABLED").asText()).as(name).isEqualTo("true");
      assertThat(env.path("LOADEDS_CLUSTER_HOST").asText()).as(name).isEqualTo(address);
      addresses.add(address + ":" + env.path("LOADEDS_CLUSTER_PORT").asText());
      memberLists.add(env.path("LOADEDS_CLUSTER_MEMBERS").asText());
    }
    assertThat(memberLists).singleElement().isEqualTo(String.join(",", addresses));
    // Fixed addresses in the demo subnet, outside the range handed out to other containers, and
    // not a backend's.
    List<String> taken = new ArrayList<>();
    base.path("services")
        .forEach(
            s -> {
              String a = s.path("networks").path("demo").path("ipv4_address").asText("");
              if (!a.isEmpty()) {
                taken.add(a);
              }
            });
    for (String hostPort : addresses) {
      String ip = hostPort.substring(0, hostPort.indexOf(':'));
      assertThat(ip).startsWith("172.28.0.").isNotIn(taken);
    }
  }

  @Test
  void everyVariableTheOverlayAddsIsASetting() {
    Set<String> known = new TreeSet<>();
    ConfigKey.ALL.forEach(k -> known.add(k.env()));
    JsonNode serverEnv = service(base, "eds-server").path("environment");
    for (String name : REPLICAS) {
      service(overlay, name)
          .path("environment")
          .fieldNames()
          .forEachRemaining(
              v -> {
                if (!serverEnv.has(v)) {
                  assertThat(known).as(name).contains(v);
                }
              });
    }
  }

  @Test
  void envoyTakesTheClusterBootstrapAtTheSamePath() {
    String baseMount = service(base, "envoy").path("volumes").get(0).asText();
    String mount = service(overlay, "envoy").path("volumes").get(0).asText();
    assertThat(mount.substring(mount.indexOf(':')))
        .isEqualTo(baseMount.substring(baseMount.indexOf(':')));
    assertThat(DeployFiles.projectDir().resolve(mount.substring(0, mount.indexOf(':'))).normalize())
        .isEqualTo(dir.resolve("envoy.yaml"));
    assertThat(service(overlay, "envoy").path("depends_on").toString()).contains("eds-server-2");
  }

  @Test
  void theClusterBootstrapListsBothReplicasAndDiffersInNothingElse() {
    Bootstrap cluster =
        EnvoyBootstrap.read(dir.resolve("envoy.yaml"), EnvoyTypes.registry()).bootstrap();
    Bootstrap single =
        EnvoyBootstrap.read(DeployFiles.envoyYaml(), EnvoyTypes.registry()).bootstrap();

    Cluster xds = xdsCluster(cluster);
    assertThat(xds.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    List<String> hosts = new ArrayList<>();
    xds.getLoadAssignment()
        .getEndpointsList()
        .forEach(
            l ->
                l.getLbEndpointsList()
                    .forEach(
                        e -> {
                          SocketAddress a = e.getEndpoint().getAddress().getSocketAddress();
                          hosts.add(a.getAddress() + ":" + a.getPortValue());
                        }));
    assertThat(hosts).containsExactly("eds-server:18000", "eds-server-2:18000");
    assertThat(withoutXdsCluster(cluster)).isEqualTo(withoutXdsCluster(single));
  }

  private static Cluster xdsCluster(Bootstrap b) {
    return b.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals("xds_cluster"))
        .findFirst()
        .orElseThrow();
  }

  private static Bootstrap withoutXdsCluster(Bootstrap b) {
    Bootstrap.Builder out = b.toBuilder();
    out.getStaticResourcesBuilder().clearClusters();
    b.getStaticResources().getClustersList().stream()
        .filter(c -> !c.getName().equals("xds_cluster"))
        .forEach(out.getStaticResourcesBuilder()::addClusters);
    return out.build();
  }
}
