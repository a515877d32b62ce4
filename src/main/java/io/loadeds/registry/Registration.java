package io.loadeds.registry;

import java.time.Duration;
import java.util.Map;

/**
 * A whole endpoint record as a backend registers it (PUT). Immutable; validated by the {@link
 * Registry}, not here, so every entry point gets the same checks and messages.
 *
 * @param address IPv4 or IPv6 literal (DNS names are refused)
 * @param port 1..65535
 * @param capacity concurrent streams the backend takes, or {@code null} when not load-gated
 * @param active streams it holds now, {@code >= 0}
 * @param weight static load-balancing weight {@code >= 1}, or {@code null} to derive it from spare
 *     capacity
 * @param ttl lease length, or {@code null} for the registry's default
 * @param locality where it runs, never {@code null}
 * @param metadata free-form string labels, published as endpoint metadata
 */
public record Registration(
    String address,
    int port,
    Integer capacity,
    int active,
    Integer weight,
    Duration ttl,
    Locality locality,
    Map<String, String> metadata) {
  public Registration {
    locality = locality == null ? Locality.NONE : locality;
    // Not containsValue(null): immutable maps throw on a null query.
    if (metadata != null && metadata.values().stream().anyMatch(java.util.Objects::isNull)) {
      // Map.copyOf would throw a bare NullPointerException; name the field instead.
      throw new InvalidFieldException("metadata", "values must be strings, not null");
    }
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** A registration with only an address and port: not load-gated, default lease. */
  public static Registration of(String address, int port) {
    return new Registration(address, port, null, 0, null, null, Locality.NONE, Map.of());
  }

  /** This registration with a capacity and a current load. */
  public Registration withLoad(Integer capacity, int active) {
    return new Registration(address, port, capacity, active, weight, ttl, locality, metadata);
  }

  /** This registration with another lease length ({@code null}: the registry's default). */
  public Registration withTtl(Duration ttl) {
    return new Registration(address, port, capacity, active, weight, ttl, locality, metadata);
  }
}
