package io.loadeds.snapshot;

import static io.loadeds.snapshot.ResourceBuilderTest.assertLocalityWeightsAreSums;
import static io.loadeds.snapshot.ResourceBuilderTest.hostnames;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The published resources follow the registry and their versions follow their content. */
class SnapshotCacheTest extends CacheTestSupport {
  private static final Map<ResourceType, Class<? extends Message>> MESSAGE_TYPES =
      Map.of(
          ResourceType.ENDPOINT, ClusterLoadAssignment.class,
          ResourceType.CLUSTER, Cluster.class,
          ResourceType.LISTENER, Listener.class,
          ResourceType.ROUTE, RouteConfiguration.class);

  @Test
  void aRegisteredClusterIsPublishedAsFourResourcesOfItsName() throws Exception {
    SnapshotCache cache = cache(Duration.ZERO);
    put("svc", "a", "10.0.0.1", 10, 0);

    awaitInSync(cache, "svc");

    for (ResourceType type : ResourceType.values()) {
      VersionedResource r = cache.get(type, "svc").orElseThrow(() -> new AssertionError(type));
      assertThat(r.name()).isEqualTo("svc");
      assertThat(r.type()).isEqualTo(type);
      assertThat(r.version()).isNotEmpty();
      assertThat(r.body().getTypeUrl()).isEqualTo(type.typeUrl());
      assertThat(r.body().unpack(MESSAGE_TYPES.get(type))).isNotNull();
      assertThat(cache.all(type)).containsOnlyKeys("svc");
    }
    assertThat(cache.get(ResourceType.CLUSTER, "svc").orElseThrow().body().unpack(Cluster.class))
        .isEqualTo(ResourceBuilder.cluster("svc"));
    assertThat(cache.get(ResourceType.LISTENER, "svc").orElseThrow().body().unpack(Listener.class))
        .isEqualTo(ResourceBuilder.listener("svc"));
  }

  @Test
  void theAssignmentFollowsAdmissionAndDropsEverythingWhenAllAreFull() {
    SnapshotCache cache = cache(Duration.ZERO);
    put("svc", "a", "10.0.0.1", 4, 1);
    put("svc", "b", "10.0.0.2", 4, 4);
    put("svc", "x", "10.0.0.3", 2, 0);
    awaitInSync(cache, "svc");

    ClusterLoadAssignment cla = cla(cache, "svc");
    assertThat(hostnames(cla)).containsExactly("a", "x");
    assertLocalityWeightsAreSums(cla);
    assertThat(cla.hasPolicy()).isFalse();

    report("svc", "a", 4);
    report("svc", "x", 2);
    awaitInSync(cache, "svc");

    cla = cla(cache, "svc");
    assertThat(cla.getPolicy().getDropOverloadsList())
        .singleElement()
        .satisfies(d -> assertThat(d.getDropPercentage().getNumerator()).isEqualTo(100));
    assertThat(hostnames(cla)).as("listed under the drop").containsExactly("a", "b", "x");
    assertLocalityWeightsAreSums(cla);
    assertThat(cache.get(ResourceType.CLUSTER, "svc")).as("still a registered cluster").isPresent();

    report("svc", "b", 0);
    awaitInSync(cache, "svc");

    assertThat(cla(cache, "svc").hasPolicy()).isFalse();
    assertThat(hostnames(cla(cache, "svc"))).containsExactly("b");
  }

  @Test
  void versionsChangeWithContentAndRepeatForEqualContentAlsoAcrossARestart() {
    SnapshotCache cache = cache(Duration.ZERO);
    put("svc", "a", "10.0.0.1", 10, 0);
    put("svc", "n", "10.0.0.2", 10, 0);
    awaitInSync(cache, "svc");
    Map<ResourceType, String> v0 = versions(cache, "svc");
    assertThat(v0).hasSize(4);

    report("svc", "a", 4);
    awaitInSync(cache, "svc");
    Map<ResourceType, String> v1 = versions(cache, "svc");
    assertThat(v1.get(ResourceType.ENDPOINT)).isNotEqualTo(v0.get(ResourceType.ENDPOINT));
    for (ResourceType t :
        new ResourceType[] {ResourceType.CLUSTER, ResourceType.LISTENER, ResourceType.ROUTE}) {
      assertThat(v1.get(t)).as(t + " did not change").isEqualTo(v0.get(t));
    }

    report("svc", "a", 0);
    awaitInSync(cache, "svc");
    assertThat(versions(cache, "svc")).isEqualTo(v0);

    // A cache built over a registry that already holds the cluster is complete at once.
    assertThat(versions(cache(Duration.ZERO), "svc")).isEqualTo(v0);

    // A restarted server: another registry and cache, registrations in another order.
    registry = new Registry(RegistryConfig.defaults(), new MutableClock(Instant.EPOCH));
    SnapshotCache restarted = cache(Duration.ZERO);
    put("svc", "n", "10.0.0.2", 10, 0);
    put("svc", "a", "10.0.0.1", 10, 0);
    awaitInSync(restarted, "svc");
    assertThat(versions(restarted, "svc")).isEqualTo(v0);
  }

  @Test
  void anExpiredLastEndpointUnpublishesTheClusterAndARegistrationBringsItBack() {
    SnapshotCache cache = cache(Duration.ZERO);
    registry.register(
        new EndpointKey("svc", "a"),
        Registration.of("10.0.0.1", 80).withTtl(Duration.ofSeconds(5)));
    awaitInSync(cache, "svc");
    Map<ResourceType, String> published = versions(cache, "svc");
    RecordingWatch w = RecordingWatch.open(cache, ResourceType.CLUSTER).on("svc");

    clock.advance(Duration.ofSeconds(5));
    registry.expireLeases();
    w.awaitCalls(1);
    assertThat(versions(cache, "svc")).isEmpty();

    registry.register(new EndpointKey("svc", "a"), Registration.of("10.0.0.1", 80));
    w.awaitCalls(2);
    awaitInSync(cache, "svc");
    assertThat(versions(cache, "svc")).isEqualTo(published);
  }

  @Test
  void anUnknownClusterGetsAnEmptyAssignmentPlaceholderOnly() throws Exception {
    SnapshotCache cache = cache(Duration.ZERO);

    VersionedResource p = cache.placeholder(ResourceType.ENDPOINT, "unknown").orElseThrow();

    assertThat(p.name()).isEqualTo("unknown");
    assertThat(p.version()).isNotEmpty();
    ClusterLoadAssignment cla = p.body().unpack(ClusterLoadAssignment.class);
    assertThat(cla.getClusterName()).isEqualTo("unknown");
    assertThat(cla.getEndpointsList()).isEmpty();
    assertThat(cla.hasPolicy()).isFalse();
    assertThat(cache.get(ResourceType.ENDPOINT, "unknown")).isEmpty();
    for (ResourceType t :
        new ResourceType[] {ResourceType.CLUSTER, ResourceType.LISTENER, ResourceType.ROUTE}) {
      assertThat(cache.placeholder(t, "unknown")).as(t.name()).isEmpty();
    }
  }
}
