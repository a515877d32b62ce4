package io.loadeds.snapshot;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.loadeds.config.RegistryConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Locality;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** A real Vert.x (closed after each test) and a real registry on a fake clock, with helpers. */
@ExtendWith(VertxExtension.class)
abstract class CacheTestSupport {
  final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  Registry registry = new Registry(RegistryConfig.defaults(), clock);
  private Vertx vertx;

  @BeforeEach
  void setUpVertx(Vertx vertx) {
    this.vertx = vertx;
  }

  SnapshotCache cache(Duration weightCoalesceWindow) {
    return SnapshotCache.create(
        vertx,
        registry,
        XdsConfig.defaults()
            .withWeightCoalesceWindow(weightCoalesceWindow)
            .withWarmUp(Duration.ZERO));
  }

  /** Registers an endpoint; ids before "m" run in zone eu-1a, the others in eu-1b. */
  void put(String cluster, String id, String ip, Integer capacity, int active) {
    Locality l = new Locality("eu", id.compareTo("m") < 0 ? "eu-1a" : "eu-1b", "");
    registry.register(
        new EndpointKey(cluster, id),
        new Registration(ip, 8080, capacity, active, null, null, l, Map.of()));
  }

  void report(String cluster, String id, int active) {
    registry.report(new EndpointKey(cluster, id), LoadReport.active(active)).orElseThrow();
  }

  static ClusterLoadAssignment cla(SnapshotCache cache, String name) {
    try {
      return cache
          .get(ResourceType.ENDPOINT, name)
          .orElseThrow()
          .body()
          .unpack(ClusterLoadAssignment.class);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  static int weightOf(ClusterLoadAssignment cla, String hostname) {
    return cla.getEndpointsList().stream()
        .flatMap(g -> g.getLbEndpointsList().stream())
        .filter(e -> e.getEndpoint().getHostname().equals(hostname))
        .findFirst()
        .orElseThrow(() -> new AssertionError(hostname + " not in " + cla))
        .getLoadBalancingWeight()
        .getValue();
  }

  static Map<ResourceType, String> versions(SnapshotCache cache, String name) {
    Map<ResourceType, String> out = new EnumMap<>(ResourceType.class);
    for (ResourceType t : ResourceType.values()) {
      cache.get(t, name).ifPresent(r -> out.put(t, r.version()));
    }
    return out;
  }

  /** Waits until the cache publishes exactly what the registry holds for {@code cluster}. */
  void awaitInSync(SnapshotCache cache, String cluster) {
    Await.until(
        "cache in step with the registry for " + cluster,
        () -> {
          Optional<String> expected =
              registry
                  .cluster(cluster)
                  .filter(ClusterView::live)
                  .map(ResourceBuilder::assignment)
                  .map(cla -> VersionedResource.of(ResourceType.ENDPOINT, cluster, cla).version());
          // The four resources of a cluster are put one after another: wait for all of them.
          return Objects.equals(cache.endpointsVersion(cluster), expected)
              && versions(cache, cluster).size() == (expected.isPresent() ? 4 : 0);
        });
  }
}
