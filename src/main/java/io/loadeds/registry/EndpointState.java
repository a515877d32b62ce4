package io.loadeds.registry;

/** Where an endpoint stands with respect to the load assignment. */
public enum EndpointState {
  /** Live and has spare capacity (or is not load-gated): published in EDS. */
  ADMITTED,
  /** Live but without spare capacity (or not yet below the re-admit mark): left out of EDS. */
  FULL,
  /** Its lease lapsed: left out of EDS, kept visible for a while, refused by PATCH. */
  EXPIRED
}
