package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.CLUSTER;
import static io.loadeds.registry.Fixtures.key;
import static io.loadeds.registry.Fixtures.loaded;
import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.RegistryConfig;
import io.loadeds.testing.MutableClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryListener#settled}: the snapshot cache rebuilds there, reading the registry back on
 * the writer's thread, so it must come once per change that produced events, on that thread, with
 * those events, and after the cluster's lock is released.
 */
class RegistrySettledTest {
  private final Registry registry =
      new Registry(RegistryConfig.defaults(), new MutableClock(Fixtures.T0));

  @Test
  void aChangeSettlesOnceOnTheWritersThreadWithItsEventsAndTheLockReleased() throws Exception {
    List<String> calls = new ArrayList<>();
    List<RegistryEvent> delivered = new ArrayList<>();
    List<Boolean> otherWriterGotIn = new ArrayList<>();
    Thread writer = Thread.currentThread();
    registry.addListener(
        new RegistryListener() {
          @Override
          public void onEvent(RegistryEvent event) {
            delivered.add(event);
          }

          @Override
          public void settled(String cluster, List<RegistryEvent> events) {
            assertThat(Thread.currentThread()).isSameAs(writer);
            assertThat(events).isEqualTo(delivered);
            calls.add(cluster);
            if (calls.size() == 1) {
              // Another thread writes the same cluster now: it could not while the lock was held.
              CompletableFuture<Boolean> other =
                  CompletableFuture.supplyAsync(
                      () -> registry.report(key("b"), LoadReport.active(1)).isEmpty());
              try {
                otherWriterGotIn.add(other.get(10, TimeUnit.SECONDS));
              } catch (Exception e) {
                otherWriterGotIn.add(false);
              }
            }
            delivered.clear();
          }
        });

    registry.register(key("a"), loaded("10.0.0.1", 10, 0));
    assertThat(calls).containsExactly(CLUSTER);
    assertThat(otherWriterGotIn).as("the lock was free while settling").containsExactly(true);

    registry.report(key("a"), LoadReport.active(10)); // full: leaves the assignment
    assertThat(calls).containsExactly(CLUSTER, CLUSTER);

    registry.report(key("a"), LoadReport.active(10)); // the same again: no event, nothing settles
    assertThat(calls).hasSize(2);
  }

  @Test
  void aFailingListenerDoesNotKeepTheOthersFromSettling() {
    List<String> settled = new ArrayList<>();
    registry.addListener(
        new RegistryListener() {
          @Override
          public void onEvent(RegistryEvent event) {}

          @Override
          public void settled(String cluster, List<RegistryEvent> events) {
            throw new IllegalStateException("broken listener");
          }
        });
    registry.addListener(
        new RegistryListener() {
          @Override
          public void onEvent(RegistryEvent event) {}

          @Override
          public void settled(String cluster, List<RegistryEvent> events) {
            settled.add(cluster);
          }
        });
    registry.register(key("a"), loaded("10.0.0.1", 10, 0));
    assertThat(settled).containsExactly(CLUSTER);
    assertThat(registry.cluster(CLUSTER)).isPresent();
  }
}
