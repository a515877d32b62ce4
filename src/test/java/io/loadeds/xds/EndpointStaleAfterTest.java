package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 6: with {@code xds.endpointStaleAfter} set, every assignment sent (real, all-full with its
 * drop, and the empty placeholder) carries {@code policy.endpoint_stale_after}; by default none
 * does.
 */
class EndpointStaleAfterTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private static TestServer start(Duration staleAfter) {
    return TestServer.start(
        1,
        XdsConfig.defaults()
            .withWeightCoalesceWindow(Duration.ZERO)
            .withWarmUp(Duration.ZERO)
            .withEndpointStaleAfter(staleAfter));
  }

  private static XdsStream ads(TestServer server) {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
  }

  @Test
  void everyAssignmentCarriesTheConfiguredStaleAfter() throws Exception {
    try (TestServer server = start(Duration.ofSeconds(90))) {
      server.register("a", "a1", 8080);
      server.awaitEndpoints("a", 1);
      XdsStream stream = ads(server);

      var first = stream.subscribe(EDS, "a", "nobody");
      for (ClusterLoadAssignment cla : Responses.assignments(first)) {
        assertThat(cla.getPolicy().getEndpointStaleAfter().getSeconds())
            .as(cla.getClusterName())
            .isEqualTo(90);
      }
      stream.ack(first, "a", "nobody");

      server.active("a", "a1", 10); // full: the drop policy and the stale-after together
      ClusterLoadAssignment full =
          Responses.assignments(stream.next()).stream()
              .filter(c -> c.getClusterName().equals("a"))
              .findFirst()
              .orElseThrow();
      assertThat(full.getPolicy().getDropOverloadsCount()).isEqualTo(1);
      assertThat(full.getPolicy().getEndpointStaleAfter().getSeconds()).isEqualTo(90);
    }
  }

  @Test
  void offByDefault() throws Exception {
    assertThat(XdsConfig.defaults().endpointStaleAfter()).isZero();
    try (TestServer server = start(Duration.ZERO)) {
      server.register("a", "a1", 8080);
      server.awaitEndpoints("a", 1);

      ClusterLoadAssignment cla = Responses.assignment(ads(server).subscribe(EDS, "a"));
      assertThat(cla.hasPolicy()).isFalse();
    }
  }
}
