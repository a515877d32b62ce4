package io.loadeds.lrs;

import io.loadeds.registry.Endpoint;

/**
 * An endpoint as load figures are kept for it: its cluster and address (what the figures are
 * about), and the id it had when last resolved (for display). Immutable.
 */
record EndpointRef(String cluster, String address, int port, String id) {
  static EndpointRef of(Endpoint e) {
    return new EndpointRef(e.cluster(), e.address(), e.port(), e.id());
  }
}
