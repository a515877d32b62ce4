package io.loadeds.registry;

/**
 * Receives registry events. Called synchronously on the thread that made the change while the
 * cluster is locked (that is what keeps one cluster's events in order), so an implementation must
 * be quick, must not block and must not call back into the registry: hand the event to your own
 * context or queue.
 */
@FunctionalInterface
public interface RegistryListener {
  void onEvent(RegistryEvent event);
}
