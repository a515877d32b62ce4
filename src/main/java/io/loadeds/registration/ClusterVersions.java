package io.loadeds.registration;

import java.util.Optional;

/**
 * Looks up the EDS version currently published for a cluster, so the API can show it without
 * depending on the xDS layer. Must be thread-safe and non-blocking.
 */
@FunctionalInterface
public interface ClusterVersions {
  /** The published version of the cluster's load assignment, if it is published. */
  Optional<String> endpointsVersion(String cluster);
}
