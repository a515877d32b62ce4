package io.loadeds.registry;

import java.util.List;

/**
 * An immutable, consistent copy of one cluster's endpoints, ordered by id.
 *
 * @param name the cluster name
 * @param endpoints all records, including full and expired ones
 */
public record ClusterView(String name, List<Endpoint> endpoints) {
  public ClusterView {
    endpoints = List.copyOf(endpoints);
  }

  /** The endpoints in the load assignment now. */
  public List<Endpoint> admitted() {
    return endpoints.stream().filter(Endpoint::admitted).toList();
  }

  /** Whether any endpoint holds a live lease (admitted or full): the cluster is published. */
  public boolean live() {
    return endpoints.stream().anyMatch(e -> e.state() != EndpointState.EXPIRED);
  }

  /** How many endpoints are in the given state. */
  public long count(EndpointState state) {
    return endpoints.stream().filter(e -> e.state() == state).count();
  }
}
