package io.loadeds.extproc;

import io.loadeds.registry.ClusterView;
import java.util.Optional;

/**
 * The one thing processors may read of the registry: a consistent copy of one cluster's endpoints.
 * {@code RegistryView::cluster} is one. Implementations are thread-safe and do not block for long
 * (the registry copies one cluster under its lock).
 */
@FunctionalInterface
public interface ClusterLoad {
  /** The cluster's endpoints now, or empty when LoadEDS has no record of it. */
  Optional<ClusterView> cluster(String name);
}
