package io.loadeds.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loadeds.config.LimitsConfig;
import io.loadeds.config.RegistryConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Limits are enforced inside the registry, atomically under concurrent writers. */
class RegistryLimitsTest {
  private static Registry registry(int maxEndpoints, int maxClusters) {
    return new Registry(
        RegistryConfig.defaults(),
        LimitsConfig.defaults()
            .withMaxEndpointsPerCluster(maxEndpoints)
            .withMaxClusters(maxClusters),
        Clock.systemUTC());
  }

  private static Registration at(int i) {
    return Registration.of("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 80);
  }

  /** Runs {@code n} writes on 8 threads; returns how many were refused with a limit. */
  private static int race(int n, java.util.function.IntConsumer write) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicInteger refused = new AtomicInteger();
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        all.add(
            pool.submit(
                () -> {
                  try {
                    write.accept(k);
                  } catch (LimitReachedException e) {
                    refused.incrementAndGet();
                  }
                }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return refused.get();
  }

  @Test
  void concurrentWritersNeverPassTheEndpointLimit() throws Exception {
    Registry r = registry(100, 10);

    int refused = race(1000, i -> r.register(new EndpointKey("shop", "e" + i), at(i)));

    assertThat(r.cluster("shop").orElseThrow().endpoints()).hasSize(100);
    assertThat(refused).isEqualTo(900);
  }

  @Test
  void concurrentWritersNeverPassTheClusterLimit() throws Exception {
    Registry r = registry(10, 50);

    int refused = race(500, i -> r.register(new EndpointKey("c" + i, "e"), at(i)));

    assertThat(r.clusters()).hasSize(50);
    assertThat(refused).isEqualTo(450);
  }

  @Test
  void aFullClusterStillLetsARestartedBackendTakeOverItsAddress() {
    Registry r = registry(2, 1);
    r.register(new EndpointKey("shop", "a"), at(1));
    r.register(new EndpointKey("shop", "b"), at(2));

    assertThatThrownBy(() -> r.register(new EndpointKey("shop", "c"), at(3)))
        .isInstanceOf(LimitReachedException.class);
    r.register(new EndpointKey("shop", "a2"), at(1)); // same address, new id: replaces a

    assertThat(r.cluster("shop").orElseThrow().endpoints())
        .extracting(Endpoint::id)
        .containsExactly("a2", "b");
  }

  @Test
  void aRefusedListReplacementChangesNothingAndLeavesNoEmptyCluster() {
    Registry r = registry(2, 1);
    Map<String, Registration> three = Map.of("a", at(1), "b", at(2), "c", at(3));

    assertThatThrownBy(() -> r.replaceSource("shop", "edsservice", three))
        .isInstanceOf(LimitReachedException.class)
        .hasMessageContaining("limits.maxEndpointsPerCluster");

    assertThat(r.clusters()).isEmpty();
    r.register(new EndpointKey("cart", "x"), at(9));
    assertThat(r.clusters()).as("the refused cluster freed its slot").hasSize(1);
  }
}
