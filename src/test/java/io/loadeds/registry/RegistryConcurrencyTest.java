package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.RegistryConfig;
import io.loadeds.testing.MutableClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many backends writing to one cluster at once never lose each other's updates. */
@Timeout(60)
class RegistryConcurrencyTest {
  private static final int THREADS = 8;
  private static final int OPS = 500;
  private static final int IDS_PER_THREAD = 25;
  private static final int CAPACITY = 10;

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
  private final Registry registry = new Registry(RegistryConfig.defaults(), new MutableClock(T0));

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void concurrentPutsAndReportsOnOneClusterKeepEveryLastValueAndEveryEvent() throws Exception {
    AtomicInteger eventCount = new AtomicInteger();
    Map<EndpointKey, Endpoint> lastSeen = new ConcurrentHashMap<>();
    List<String> brokenChains = new ArrayList<>();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    registry.addListener(
        event -> {
          // One cluster's events are delivered one at a time, which is what keeps them in order.
          if (inFlight.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
          }
          Thread.yield();
          eventCount.incrementAndGet();
          Endpoint now = endpointOf(event);
          Endpoint before = previousOf(event);
          Endpoint seen = lastSeen.put(now.key(), now);
          // Events of one cluster are delivered in order, so each one continues the last.
          if (before != null && !before.equals(seen)) {
            synchronized (brokenChains) {
              brokenChains.add(now.key().toString());
            }
          }
          inFlight.decrementAndGet();
        });

    List<Map<String, Integer>> expected =
        runAll(
            thread -> {
              Map<String, Integer> last = new HashMap<>();
              ThreadLocalRandom random = ThreadLocalRandom.current();
              for (int op = 0; op < OPS; op++) {
                String id = "t" + thread + "-" + (op % IDS_PER_THREAD);
                EndpointKey key = new EndpointKey("svc", id);
                if (op < IDS_PER_THREAD) {
                  registry.register(key, address(thread, op).withLoad(CAPACITY, 0));
                  last.put(id, 0);
                } else {
                  // A different value each time, crossing the capacity now and then.
                  int active = (last.get(id) + 1 + random.nextInt(CAPACITY + 2)) % (CAPACITY + 3);
                  registry.report(key, LoadReport.active(active)).orElseThrow();
                  last.put(id, active);
                }
              }
              return last;
            });

    ClusterView view = registry.cluster("svc").orElseThrow();
    assertThat(view.endpoints()).hasSize(THREADS * IDS_PER_THREAD);
    for (Map<String, Integer> last : expected) {
      last.forEach(
          (id, active) -> {
            Endpoint e = registry.endpoint(new EndpointKey("svc", id)).orElseThrow();
            assertThat(e.active()).as(id).isEqualTo(active);
            // Hysteresis 0: the state follows the last report alone.
            assertThat(e.admitted()).as(id).isEqualTo(active < CAPACITY);
          });
    }
    // One Registered per PUT and one LoadChanged or AdmissionChanged per changed report.
    assertThat(eventCount.get()).isEqualTo(THREADS * OPS);
    assertThat(brokenChains).isEmpty();
    assertThat(overlaps.get()).isZero();
  }

  @Test
  void concurrentPutAndDeleteOnOneClusterNeverWriteIntoARetiredTable() throws Exception {
    int rounds = 2_000;
    Set<String> lost = ConcurrentHashMap.newKeySet();
    List<Map<String, Integer>> leftBehind =
        runAll(
            thread -> {
              String id = "t" + thread;
              EndpointKey key = new EndpointKey("svc", id);
              boolean present = false;
              for (int i = 0; i < rounds; i++) {
                if (ThreadLocalRandom.current().nextBoolean()) {
                  registry.register(key, address(thread, 0));
                  // Nobody else touches this id: if it is gone, the write went to a dead table.
                  if (registry.endpoint(key).isEmpty()) {
                    lost.add(id);
                  }
                  present = true;
                } else {
                  assertThat(registry.deregister(key)).isEqualTo(present);
                  present = false;
                }
              }
              return present ? Map.of(id, 1) : Map.of();
            });

    assertThat(lost).isEmpty();
    Set<String> expectedIds = new java.util.TreeSet<>();
    leftBehind.forEach(m -> expectedIds.addAll(m.keySet()));
    assertThat(registry.clusters())
        .extracting(ClusterView::name)
        .isEqualTo(expectedIds.isEmpty() ? List.of() : List.of("svc"));
    assertThat(registry.cluster("svc").map(ClusterView::endpoints).orElse(List.of()))
        .extracting(Endpoint::id)
        .containsExactlyElementsOf(expectedIds);

    EndpointKey late = new EndpointKey("svc", "late");
    assertThat(registry.register(late, Registration.of("10.9.9.9", 80)).created()).isTrue();
    assertThat(registry.endpoint(late)).isPresent();
    assertThat(registry.clusters()).extracting(ClusterView::name).containsExactly("svc");
  }

  private <T> List<T> runAll(IntFunction<T> work) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Callable<T> task =
          () -> {
            start.await();
            return work.apply(thread);
          };
      futures.add(pool.submit(task));
    }
    start.countDown();
    List<T> out = new ArrayList<>();
    for (Future<T> f : futures) {
      out.add(f.get(50, TimeUnit.SECONDS));
    }
    return out;
  }

  private static Registration address(int thread, int n) {
    return Registration.of("10." + thread + "." + (n / 256) + "." + (n % 256), 8080);
  }

  private static Endpoint endpointOf(RegistryEvent event) {
    if (event instanceof RegistryEvent.Registered r) {
      return r.endpoint();
    } else if (event instanceof RegistryEvent.LoadChanged l) {
      return l.endpoint();
    } else if (event instanceof RegistryEvent.AdmissionChanged a) {
      return a.endpoint();
    } else if (event instanceof RegistryEvent.Deregistered d) {
      return d.endpoint();
    }
    return ((RegistryEvent.Expired) event).endpoint();
  }

  private static Endpoint previousOf(RegistryEvent event) {
    if (event instanceof RegistryEvent.LoadChanged l) {
      return l.previous();
    } else if (event instanceof RegistryEvent.AdmissionChanged a) {
      return a.previous();
    }
    return null;
  }
}
