package io.loadeds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Locality;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.testing.MutableClock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What LRS changes in the published resources: clusters name the server as their LRS server, and
 * each endpoint gets a locality of its own so that per-locality reports are per-endpoint figures.
 */
class LrsPublishingTest {
  private final Registry registry =
      new Registry(
          RegistryConfig.defaults(), new MutableClock(Instant.parse("2025-01-01T00:00:00Z")));

  private void put(String id, String ip, int capacity, int active, Locality l) {
    registry.register(
        new EndpointKey("svc", id),
        new Registration(ip, 8080, capacity, active, null, null, l, Map.of()));
  }

  @Test
  void withLrsTheClusterNamesThisServerAsItsLrsServer() {
    Cluster on = ResourceBuilder.cluster("svc", true);
    Cluster off = ResourceBuilder.cluster("svc");

    assertThat(on.getLrsServer().hasSelf()).isTrue();
    assertThat(off.hasLrsServer()).isFalse();
    assertThat(on.toBuilder().clearLrsServer().build()).isEqualTo(off);
  }

  @Test
  void withLrsEveryEndpointHasALocalityOfItsOwnInsideItsRegionAndZone() {
    put("a", "10.0.0.1", 4, 1, new Locality("eu", "eu-1a", ""));
    put("b", "10.0.0.2", 4, 3, new Locality("eu", "eu-1a", ""));
    put("c", "10.0.0.3", 4, 0, new Locality("eu", "eu-1b", "rack7"));

    ClusterLoadAssignment cla =
        ResourceBuilder.assignment(registry.cluster("svc").orElseThrow(), true);

    assertThat(cla.getEndpointsList())
        .extracting(
            l -> l.getLocality().getRegion(),
            l -> l.getLocality().getZone(),
            l -> l.getLocality().getSubZone(),
            LocalityLbEndpoints::getLbEndpointsCount,
            l -> l.getLoadBalancingWeight().getValue())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("eu", "eu-1a", "a", 1, 3),
            org.assertj.core.groups.Tuple.tuple("eu", "eu-1a", "b", 1, 1),
            org.assertj.core.groups.Tuple.tuple("eu", "eu-1b", "rack7/c", 1, 4));
    ResourceBuilderTest.assertLocalityWeightsAreSums(cla);
  }

  @Test
  void withoutLrsEndpointsShareTheLocalityTheyRegistered() {
    put("a", "10.0.0.1", 4, 1, new Locality("eu", "eu-1a", ""));
    put("b", "10.0.0.2", 4, 3, new Locality("eu", "eu-1a", ""));

    ClusterLoadAssignment cla = ResourceBuilder.assignment(registry.cluster("svc").orElseThrow());

    assertThat(cla.getEndpointsCount()).isEqualTo(1);
    assertThat(cla.getEndpoints(0).getLbEndpointsCount()).isEqualTo(2);
  }
}
