package io.loadeds.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster settings: off by default, read from file, environment and flags, checked. */
class ClusterConfigTest {
  @TempDir Path dir;

  @Test
  void aServerIsNotClusteredUnlessAsked() {
    ServerConfig c = ConfigLoader.load(null, Map.of(), Map.of());

    assertThat(c.cluster().enabled()).isFalse();
    assertThat(c.cluster().port()).isEqualTo(5701);
  }

  @Test
  void theFileGivesTheMemberListAsAYamlList() throws IOException {
    Path file = dir.resolve("c.yaml");
    Files.writeString(
        file, "cluster: {enabled: true, port: 5702, members: [10.0.0.1:5701, 10.0.0.2:5702]}\n");

    ClusterConfig c = ConfigLoader.load(file, Map.of(), Map.of()).cluster();

    assertThat(c.enabled()).isTrue();
    assertThat(c.port()).isEqualTo(5702);
    assertThat(c.members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5702");
  }

  @Test
  void environmentAndFlagsUseTheTableOfSettings() {
    ClusterConfig c =
        ConfigLoader.load(
                null,
                Map.of("LOADEDS_CLUSTER_ENABLED", "true", "LOADEDS_CLUSTER_HOST", "10.0.0.9"),
                Map.of("cluster.members", "10.0.0.9:5701, 10.0.0.8"))
            .cluster();

    assertThat(c.enabled()).isTrue();
    assertThat(c.host()).isEqualTo("10.0.0.9");
    assertThat(c.members()).containsExactly("10.0.0.9:5701", "10.0.0.8");
    assertThat(ConfigKey.ALL.stream().filter(k -> k.path().startsWith("cluster.")))
        .extracting(ConfigKey::flag)
        .containsExactly(
            "--cluster",
            "--cluster-host",
            "--cluster-port",
            "--cluster-members",
            "--cluster-multicast");
  }

  @Test
  void memberEntriesAreHostAndPortWithTheDefaultPort() {
    assertThat(ClusterConfig.member("10.0.0.1"))
        .isEqualTo(new ClusterConfig.HostPort("10.0.0.1", 5701));
    assertThat(ClusterConfig.member(" 10.0.0.1:5705 "))
        .isEqualTo(new ClusterConfig.HostPort("10.0.0.1", 5705));
    assertThat(ClusterConfig.member("[fd00::1]:5702"))
        .isEqualTo(new ClusterConfig.HostPort("fd00::1", 5702));
    assertThat(ClusterConfig.member("fd00::1"))
        .isEqualTo(new ClusterConfig.HostPort("fd00::1", 5701));
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("cluster.members", "a:x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.members");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("cluster.port", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.port");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("cluster.enabled", "yes")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.enabled");
    assertThat(ClusterConfig.defaults().withMembers(List.of("h:1")).validate().members())
        .containsExactly("h:1");
  }

  @Test
  void lrsAsTheLoadSourceIsRefusedOnAReplica() {
    for (String source : List.of("lrs", "max")) {
      assertThatThrownBy(
              () ->
                  ConfigLoader.load(
                      null, Map.of(), Map.of("cluster.enabled", "true", "load.source", source)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("load.source " + source)
          .hasMessageContaining("cluster.enabled");
    }
    // Watching the clients' figures (per replica) is allowed.
    assertThat(
            ConfigLoader.load(null, Map.of(), Map.of("cluster.enabled", "true", "load.lrs", "true"))
                .load()
                .lrsEnabled())
        .isTrue();
  }
}
