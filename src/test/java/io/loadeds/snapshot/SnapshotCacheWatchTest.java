package io.loadeds.snapshot;

import static io.loadeds.snapshot.ResourceBuilderTest.hostnames;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.loadeds.registry.EndpointKey;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Watches are woken only for what they subscribe to; admission changes go out at once, weight-only
 * changes may be folded. Assertions are on order and count of notices, never on elapsed time.
 */
class SnapshotCacheWatchTest extends CacheTestSupport {

  @Test
  void aWatchIsWokenOnlyForTheResourcesItSubscribesTo() {
    SnapshotCache cache = cache(Duration.ZERO);
    put("A", "a", "10.0.0.1", 10, 0);
    put("B", "b", "10.0.0.2", 10, 0);
    awaitInSync(cache, "A");
    awaitInSync(cache, "B");
    RecordingWatch onA = RecordingWatch.open(cache, ResourceType.ENDPOINT).on("A");
    RecordingWatch onB = RecordingWatch.open(cache, ResourceType.ENDPOINT).on("B");
    RecordingWatch onC = RecordingWatch.open(cache, ResourceType.ENDPOINT).on("C");
    RecordingWatch all = RecordingWatch.open(cache, ResourceType.ENDPOINT).wildcard();
    RecordingWatch clusters = RecordingWatch.open(cache, ResourceType.CLUSTER).wildcard();
    assertThat(cache.watchCount(ResourceType.ENDPOINT)).isEqualTo(4);

    report("B", "b", 1);
    onB.awaitCalls(1);
    report("A", "a", 1);
    onA.awaitCalls(1);
    Await.until("wildcard saw A and B", () -> all.allNames().equals(Set.of("A", "B")));

    // Notices leave the cache's context in order: B's went out before A's.
    assertThat(onA.calls).containsExactly(Set.of("A"));
    assertThat(onB.calls).containsExactly(Set.of("B"));
    assertThat(onC.calls).isEmpty();
    assertThat(clusters.calls).as("a load change leaves the Cluster resource alone").isEmpty();

    int seen = all.count();
    onA.watch.subscribe(Set.of(), false);
    onB.watch.close();
    report("A", "a", 2);
    report("B", "b", 2);
    Await.until("wildcard saw A and B again", () -> namesAfter(all, seen).equals(Set.of("A", "B")));
    assertThat(onA.count()).isEqualTo(1);
    assertThat(onB.count()).isEqualTo(1);
    assertThat(cache.watchCount(ResourceType.ENDPOINT)).isEqualTo(2);
  }

  @Test
  void aNewClusterIsAnnouncedBeforeItsEndpointsAndListenersBeforeRoutes() {
    SnapshotCache cache = cache(Duration.ZERO);
    // All notices are handed over on the cache's one context; this list keeps their order.
    java.util.List<ResourceType> order = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (ResourceType type :
        new ResourceType[] {
          ResourceType.ROUTE, ResourceType.ENDPOINT, ResourceType.LISTENER, ResourceType.CLUSTER
        }) {
      cache.watch(type, names -> order.add(type)).subscribe(Set.of("new"), false);
    }

    put("new", "a", "10.0.0.1", 10, 0);

    Await.until("all four types announced", () -> order.size() == 4);
    assertThat(order)
        .as("make before break: CDS, EDS, LDS, RDS")
        .containsExactly(
            ResourceType.CLUSTER, ResourceType.ENDPOINT, ResourceType.LISTENER, ResourceType.ROUTE);
  }

  private static Set<String> namesAfter(RecordingWatch w, int skip) {
    Set<String> out = new HashSet<>();
    w.calls.stream().skip(skip).forEach(out::addAll);
    return out;
  }

  @Test
  void weightOnlyChangesAreCoalescedWhileAdmissionChangesGoOutAtOnce() {
    SnapshotCache cache = cache(Duration.ofMillis(200));
    put("svc", "a", "10.0.0.1", 100, 0);
    put("svc", "n", "10.0.0.2", 100, 0);
    awaitInSync(cache, "svc");
    RecordingWatch w = RecordingWatch.open(cache, ResourceType.ENDPOINT).on("svc");

    for (int active = 1; active <= 5; active++) {
      report("svc", "a", active);
    }
    w.awaitCalls(1);
    assertThat(hostnames(cla(cache, "svc"))).containsExactly("a", "n");
    assertThat(weightOf(cla(cache, "svc"), "a"))
        .as("the one notice carries the newest weight")
        .isEqualTo(95);

    report("svc", "a", 100); // full: leaves the assignment
    w.awaitCalls(2);
    assertThat(hostnames(cla(cache, "svc"))).containsExactly("n");
    assertThat(w.calls).containsExactly(Set.of("svc"), Set.of("svc"));
  }

  @Test
  void weightChangesAfterAWindowHasClosedOpenANewOne() {
    SnapshotCache cache = cache(Duration.ofMillis(20));
    put("svc", "a", "10.0.0.1", 100, 0);
    awaitInSync(cache, "svc");
    RecordingWatch w = RecordingWatch.open(cache, ResourceType.ENDPOINT).on("svc");

    for (int round = 1; round <= 3; round++) {
      report("svc", "a", round); // weight only, one window each
      w.awaitCalls(round);
      assertThat(weightOf(cla(cache, "svc"), "a"))
          .as("window %d publishes its weight", round)
          .isEqualTo(100 - round);
    }
  }

  @Test
  void anAdmissionChangeDoesNotWaitForAPendingWeightWindow() {
    SnapshotCache cache = cache(Duration.ofSeconds(10));
    put("svc", "a", "10.0.0.1", 10, 0);
    put("svc", "n", "10.0.0.2", 10, 0);
    put("other", "o", "10.0.0.3", 10, 0);
    awaitInSync(cache, "svc");
    awaitInSync(cache, "other");
    String before = cache.endpointsVersion("svc").orElseThrow();
    RecordingWatch all = RecordingWatch.open(cache, ResourceType.ENDPOINT).wildcard();

    report("svc", "n", 3); // weight only: held back for the window
    put("other", "p", "10.0.0.4", 10, 0); // membership change elsewhere: goes out at once
    all.awaitCalls(1);
    assertThat(all.calls).containsExactly(Set.of("other"));
    assertThat(cache.endpointsVersion("svc")).contains(before);

    report("svc", "a", 10); // admission change: out at once, with the held-back weight folded in
    all.awaitCalls(2);
    assertThat(all.calls.get(1)).isEqualTo(Set.of("svc"));
    ClusterLoadAssignment cla = cla(cache, "svc");
    assertThat(hostnames(cla)).containsExactly("n");
    assertThat(weightOf(cla, "n")).isEqualTo(7);
  }

  @Test
  void removingTheLastEndpointRemovesAllFourResourcesAndNotifies() {
    SnapshotCache cache = cache(Duration.ZERO);
    put("svc", "a", "10.0.0.1", 10, 0);
    put("keep", "k", "10.0.0.9", 10, 0);
    awaitInSync(cache, "svc");
    awaitInSync(cache, "keep");
    Map<ResourceType, RecordingWatch> watches = new EnumMap<>(ResourceType.class);
    for (ResourceType t : ResourceType.values()) {
      watches.put(t, RecordingWatch.open(cache, t).on("svc"));
    }

    registry.deregister(new EndpointKey("svc", "a"));

    for (ResourceType t : ResourceType.values()) {
      watches.get(t).awaitCalls(1);
      assertThat(watches.get(t).calls).as(t.name()).containsExactly(Set.of("svc"));
      assertThat(cache.get(t, "svc")).as(t.name()).isEmpty();
      assertThat(cache.all(t)).as(t.name()).containsOnlyKeys("keep");
    }
  }
}
