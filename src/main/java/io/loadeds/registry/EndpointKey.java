package io.loadeds.registry;

import java.util.Objects;

/**
 * Identity of an endpoint: the cluster it serves and the instance id the backend chose. Immutable.
 *
 * @param cluster the cluster name, {@code [A-Za-z0-9._-]{1,128}}
 * @param id the instance id, same alphabet
 */
public record EndpointKey(String cluster, String id) {
  public EndpointKey {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(id, "id");
  }

  @Override
  public String toString() {
    return cluster + "/" + id;
  }
}
