package io.loadeds.registry;

/**
 * Something that happened to an endpoint. Events for one cluster are delivered in the order they
 * happened; each carries immutable endpoint views.
 */
public sealed interface RegistryEvent {
  /** The cluster the event concerns. */
  String cluster();

  /**
   * Whether the published endpoint set (membership, addresses, localities) may have changed, as
   * opposed to a weight- or metadata-only change that consumers may coalesce briefly.
   */
  boolean changesMembership();

  /** A PUT created or replaced an endpoint record ({@code previous} is null when created). */
  record Registered(Endpoint previous, Endpoint endpoint) implements RegistryEvent {
    @Override
    public String cluster() {
      return endpoint.cluster();
    }

    @Override
    public boolean changesMembership() {
      return previous == null
          || previous.admitted() != endpoint.admitted()
          || !previous.hostPort().equals(endpoint.hostPort())
          || !previous.locality().equals(endpoint.locality());
    }

    public boolean created() {
      return previous == null;
    }
  }

  /** A load report changed an endpoint without moving it in or out of the assignment. */
  record LoadChanged(Endpoint previous, Endpoint endpoint) implements RegistryEvent {
    @Override
    public String cluster() {
      return endpoint.cluster();
    }

    @Override
    public boolean changesMembership() {
      return false;
    }
  }

  /** An endpoint entered ({@code endpoint.admitted()}) or left the assignment because of load. */
  record AdmissionChanged(Endpoint previous, Endpoint endpoint) implements RegistryEvent {
    @Override
    public String cluster() {
      return endpoint.cluster();
    }

    @Override
    public boolean changesMembership() {
      return true;
    }
  }

  /** An endpoint was removed on request, or because another id took its address over. */
  record Deregistered(Endpoint endpoint, Reason reason) implements RegistryEvent {
    /** Why an endpoint was removed. */
    public enum Reason {
      /** DELETE by the backend or an operator. */
      REQUESTED,
      /** A registration of the same address under another id. */
      ADDRESS_TAKEN_OVER,
      /** A whole-list replacement (the compatibility API) no longer lists it. */
      NOT_LISTED
    }

    @Override
    public String cluster() {
      return endpoint.cluster();
    }

    @Override
    public boolean changesMembership() {
      return true;
    }
  }

  /** An endpoint's lease lapsed; it left the assignment. */
  record Expired(Endpoint endpoint) implements RegistryEvent {
    @Override
    public String cluster() {
      return endpoint.cluster();
    }

    @Override
    public boolean changesMembership() {
      return true;
    }
  }
}
