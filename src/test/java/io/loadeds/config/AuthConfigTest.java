package io.loadeds.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The auth and limits keys from a file (maps and lists), the environment and flags. */
class AuthConfigTest {
  @TempDir Path tmp;

  @Test
  void mapsAndListsFromAYamlFile() throws Exception {
    Path file =
        Files.writeString(
            tmp.resolve("c.yaml"),
            """
            auth:
              tokensFile: /etc/loadeds/tokens.yaml
              protectReads: true
              allowedAddresses:
                shop: [10.0.0.0/8, "fd00::/8"]
                "*": [192.168.0.0/16]
              allowedNodeIds: [envoy-1, edge-*]
            limits:
              maxEndpointsPerCluster: 50
              maxClusters: 5
              registrationsPerSecondPerClient: 0
            """);

    ServerConfig c = ConfigLoader.load(file, Map.of(), Map.of());

    assertThat(c.auth().allowedAddresses())
        .containsExactly(
            Map.entry("shop", List.of("10.0.0.0/8", "fd00::/8")),
            Map.entry("*", List.of("192.168.0.0/16")));
    assertThat(c.auth().allowedNodeIds()).containsExactly("envoy-1", "edge-*");
    assertThat(c.auth().protectReads()).isTrue();
    assertThat(c.limits()).isEqualTo(new LimitsConfig(50, 5, 0));
  }

  @Test
  void theTokenFromTheEnvironmentIsNeverShown() {
    ServerConfig c =
        ConfigLoader.load(null, Map.of("LOADEDS_AUTH_TOKEN", "secret-0123456789abcdef"), Map.of());

    assertThat(c.auth().token()).isEqualTo("secret-0123456789abcdef");
    assertThat(c.toString()).doesNotContain("secret-0123456789abcdef");
  }

  @Test
  void textFormsFromFlags() {
    ServerConfig c =
        ConfigLoader.load(
            null,
            Map.of(),
            Map.of(
                "auth.allowedAddresses", "shop=10.0.0.0/8,fd00::/8;*=192.168.0.0/16",
                "auth.allowedNodeIds", "a, b*"));

    assertThat(c.auth().allowedAddresses().get("shop")).containsExactly("10.0.0.0/8", "fd00::/8");
    assertThat(c.auth().allowedNodeIds()).containsExactly("a", "b*");
  }

  @Test
  void protectingReadsWithoutATokenIsAConfigError() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("auth.protectReads", "true")))
        .hasMessageContaining("auth.protectReads");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("auth.protectReads", "yes")))
        .hasMessageContaining("auth.protectReads");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("limits.maxClusters", "0")))
        .hasMessageContaining("limits.maxClusters");
  }
}
