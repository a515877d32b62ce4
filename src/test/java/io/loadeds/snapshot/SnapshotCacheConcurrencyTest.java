package io.loadeds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Changes of membership are rebuilt on the writers' threads (and, in bursts, on the cache's
 * context): whatever the interleaving, the assignment the cache ends up publishing is the
 * registry's last state, and a change to a quiet cluster is published before its write returns.
 */
class SnapshotCacheConcurrencyTest extends CacheTestSupport {

  @Test
  void writersOnSeveralThreadsLeaveTheCacheAtTheRegistrysLastState() throws Exception {
    SnapshotCache cache = cache(Duration.ofMillis(50));
    for (int e = 0; e < 8; e++) {
      put("svc", "e" + e, "10.0.0." + (e + 1), 10, 0);
    }
    awaitInSync(cache, "svc");
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      Random random = new Random(w);
      writers.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 1500; i++) {
                  // Full (10) leaves the assignment, 0 comes back: every write changes membership
                  // or weight, from four threads at once.
                  report("svc", "e" + random.nextInt(8), random.nextBoolean() ? 10 : 0);
                }
              },
              runnable -> new Thread(runnable).start()));
    }
    CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    awaitInSync(cache, "svc");
  }

  @Test
  void aChangeToAQuietClusterIsPublishedBeforeItsWriteReturns() {
    SnapshotCache cache = cache(Duration.ofMillis(200));
    put("svc", "a", "10.0.0.1", 10, 0);
    assertThat(cache.endpointsVersion("svc")).as("published as the PUT returns").isPresent();
    assertThat(hostnames(cla(cache, "svc"))).containsExactly("a");
  }

  private static List<String> hostnames(
      io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment cla) {
    return cla.getEndpointsList().stream()
        .flatMap(g -> g.getLbEndpointsList().stream())
        .map(e -> e.getEndpoint().getHostname())
        .toList();
  }
}
