package io.loadeds.registry;

import java.util.List;
import java.util.Optional;

/**
 * The read side of the registry that consumers (the snapshot builder, the REST API) depend on.
 * Every method is thread-safe and returns immutable copies.
 */
public interface RegistryView {
  /** One cluster, if any endpoint record of it exists. */
  Optional<ClusterView> cluster(String name);

  /** All clusters, ordered by name. */
  List<ClusterView> clusters();

  /** One endpoint, if its record exists (it may be expired). */
  Optional<Endpoint> endpoint(EndpointKey key);

  /** Registers a listener for all future events; see {@link RegistryListener} for its duties. */
  void addListener(RegistryListener listener);
}
