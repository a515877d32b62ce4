package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.config.AuthConfig;
import io.loadeds.config.LimitsConfig;
import io.loadeds.registration.ApiServer.Answer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Address allow-lists and registration limits over a real server. */
class AllowListAndLimitsTest {
  private SecureServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private void start(AuthConfig auth, LimitsConfig limits) {
    server = new SecureServer(auth, limits);
  }

  private static AuthConfig allowList() {
    return AuthConfig.defaults()
        .withAllowedAddresses(
            Map.of(
                "shop", List.of("10.0.0.0/8", "fd00::/8"),
                "*", List.of("192.168.0.0/16")));
  }

  @Test
  void anAddressOutsideTheClustersRangesIs403AndChangesNothing() {
    start(allowList(), LimitsConfig.defaults());

    JsonNode p = server.put("shop", "a", "11.0.0.1", null).problem(403);

    assertThat(p.path("detail").asText()).contains("11.0.0.1", "shop");
    assertThat(p.path("address").asText()).isEqualTo("11.0.0.1");
    assertThat(p.path("cluster").asText()).isEqualTo("shop");
    assertThat(server.server.registry().clusters()).isEmpty();
  }

  @Test
  void addressesInsideTheRangesAreRegistered() {
    start(allowList(), LimitsConfig.defaults());

    assertThat(server.put("shop", "a", "10.1.2.3", null).status()).isEqualTo(201);
    assertThat(server.put("shop", "b", "fd12::7", null).status()).isEqualTo(201);
    assertThat(server.put("cart", "c", "192.168.4.4", null).status()).isEqualTo(201);
    server.put("cart", "d", "10.1.2.4", null).problem(403); // the default list applies to cart
    server.put("shop", "e", "2001:db8::1", null).problem(403);
    assertThat(server.server.registry().clusters()).hasSize(2);
  }

  @Test
  void compatibilityWritesAreCheckedToo() {
    start(allowList(), LimitsConfig.defaults());
    String hosts =
        "{\"hosts\":[{\"ip_address\":\"10.0.0.5\",\"port\":80},"
            + "{\"ip_address\":\"8.8.8.8\",\"port\":80}]}";

    JsonNode p = server.send("POST", "/edsservice/shop", hosts, null).problem(403);

    assertThat(p.path("address").asText()).isEqualTo("8.8.8.8");
    assertThat(server.server.registry().clusters()).isEmpty();
  }

  @Test
  void theEndpointLimitOfAClusterIs409NamingTheLimit() {
    start(AuthConfig.defaults(), LimitsConfig.defaults().withMaxEndpointsPerCluster(2));
    server.put("shop", "a", "10.0.0.1", null);
    server.put("shop", "b", "10.0.0.2", null);

    JsonNode p = server.put("shop", "c", "10.0.0.3", null).problem(409);

    assertThat(p.path("limit").asText()).isEqualTo("limits.maxEndpointsPerCluster");
    assertThat(server.put("shop", "a", "10.0.0.9", null).status()).as("re-PUT").isEqualTo(200);
    assertThat(server.server.registry().cluster("shop").orElseThrow().endpoints()).hasSize(2);
  }

  @Test
  void theClusterLimitIs409NamingTheLimit() {
    start(AuthConfig.defaults(), LimitsConfig.defaults().withMaxClusters(1));
    server.put("shop", "a", "10.0.0.1", null);

    JsonNode p = server.put("cart", "b", "10.0.0.2", null).problem(409);

    assertThat(p.path("limit").asText()).isEqualTo("limits.maxClusters");
    assertThat(server.server.registry().clusters()).hasSize(1);
    server.send("DELETE", "/v1/clusters/shop/endpoints/a", null, null);
    assertThat(server.put("cart", "b", "10.0.0.2", null).status()).as("slot freed").isEqualTo(201);
  }

  @Test
  void tooManyWritesFromOneClientAre429WithRetryAfter() {
    start(AuthConfig.defaults(), LimitsConfig.defaults().withRegistrationsPerSecondPerClient(3));
    for (int i = 0; i < 3; i++) {
      assertThat(server.put("shop", "e" + i, "10.0.0." + (i + 1), null).status()).isEqualTo(201);
    }

    Answer a = server.put("shop", "x", "10.0.0.9", null);

    a.problem(429);
    assertThat(Long.parseLong(a.headers().firstValue("retry-after").orElseThrow()))
        .isBetween(1L, 2L);
    assertThat(server.server.registry().endpoint(new io.loadeds.registry.EndpointKey("shop", "x")))
        .isEmpty();
    assertThat(server.get("/v1/clusters", null).status())
        .as("reads are not limited")
        .isEqualTo(200);
  }
}
