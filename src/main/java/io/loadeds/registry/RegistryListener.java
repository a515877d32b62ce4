package io.loadeds.registry;

import java.util.List;

/**
 * Receives registry events. Called synchronously on the thread that made the change while the
 * cluster is locked (that is what keeps one cluster's events in order), so an implementation must
 * be quick, must not block and must not call back into the registry: hand the event to your own
 * context or queue.
 */
@FunctionalInterface
public interface RegistryListener {
  void onEvent(RegistryEvent event);

  /**
   * Called once after a change to {@code cluster} that produced {@code events} (already delivered
   * to {@link #onEvent}), on the same thread, after the cluster's lock was released: the place for
   * work that reads the registry back. Changes to one cluster made on different threads may settle
   * in either order; read the registry for the current state rather than trusting {@code events} to
   * be the last word. Must not block. The default does nothing.
   */
  default void settled(String cluster, List<RegistryEvent> events) {}
}
