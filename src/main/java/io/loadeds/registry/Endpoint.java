package io.loadeds.registry;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The registry's immutable view of one endpoint at one moment. Instances are replaced, never
 * mutated, so they may be handed to any thread.
 *
 * @param key cluster and id
 * @param address IP literal
 * @param port 1..65535
 * @param capacity concurrent streams it takes, {@code null} when not load-gated
 * @param active streams it holds now
 * @param weight static weight, {@code null} when derived from spare capacity
 * @param locality where it runs
 * @param metadata string labels
 * @param source which API registered it ({@code v1} or {@code edsservice}); list-style APIs only
 *     replace their own entries
 * @param ttl lease length, {@code null} when the entry has no lease (it never expires)
 * @param leaseExpiresAt when the lease lapses, {@code null} without a lease
 * @param state admitted, full or expired
 * @param registeredAt when the current record was first registered
 * @param updatedAt last PUT, PATCH or state change
 * @param observed the requests in progress to it that xDS clients report over LRS, summed over the
 *     clients that report it, {@code null} when none does
 * @param load the figure admission and the derived weight use ({@link LoadPolicy#load}): {@code
 *     active}, {@code observed} or the larger, per {@code load.source}
 */
public record Endpoint(
    EndpointKey key,
    String address,
    int port,
    Integer capacity,
    int active,
    Integer weight,
    Locality locality,
    Map<String, String> metadata,
    String source,
    Duration ttl,
    Instant leaseExpiresAt,
    EndpointState state,
    Instant registeredAt,
    Instant updatedAt,
    Integer observed,
    int load) {

  /** Source tag of endpoints registered through {@code /v1}. */
  public static final String SOURCE_API = "v1";

  public Endpoint {
    metadata = Map.copyOf(metadata);
  }

  /** An endpoint whose load is its own {@code active} and that no client reports over LRS. */
  public Endpoint(
      EndpointKey key,
      String address,
      int port,
      Integer capacity,
      int active,
      Integer weight,
      Locality locality,
      Map<String, String> metadata,
      String source,
      Duration ttl,
      Instant leaseExpiresAt,
      EndpointState state,
      Instant registeredAt,
      Instant updatedAt) {
    this(
        key,
        address,
        port,
        capacity,
        active,
        weight,
        locality,
        metadata,
        source,
        ttl,
        leaseExpiresAt,
        state,
        registeredAt,
        updatedAt,
        null,
        active);
  }

  public String cluster() {
    return key.cluster();
  }

  public String id() {
    return key.id();
  }

  /** Whether the endpoint is in the load assignment now. */
  public boolean admitted() {
    return state == EndpointState.ADMITTED;
  }

  /** {@code address:port}, the identity Envoy and gRPC clients see. */
  public String hostPort() {
    return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
  }

  /**
   * The load-balancing weight published for this endpoint: the static weight if set, else its spare
   * capacity ({@code capacity - load}, at least 1), else 1 when it is not load-gated; 0 when it is
   * not admitted.
   */
  public int effectiveWeight() {
    if (!admitted()) {
      return 0;
    }
    if (weight != null) {
      return weight;
    }
    if (capacity == null) {
      return 1;
    }
    return Math.max(1, capacity - load);
  }

  Endpoint with(EndpointState newState, Instant now) {
    return new Endpoint(
        key,
        address,
        port,
        capacity,
        active,
        weight,
        locality,
        metadata,
        source,
        ttl,
        leaseExpiresAt,
        newState,
        registeredAt,
        now,
        observed,
        load);
  }
}
