package io.loadeds.demo.backend;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything a demo backend is told at start. Immutable; validated on construction.
 *
 * @param edsServer the EDS server's registration API
 * @param address the IP literal registered for this backend (the blog's {@code MY_IP}); Envoy and
 *     gRPC clients connect there, and a DNS name would be refused by the EDS server
 * @param bindHost the interface the gRPC server listens on
 * @param port the gRPC port; 0 picks a free one
 * @param cluster the EDS cluster to join
 * @param capacity how many {@code Max} streams the backend takes at once
 * @param id the endpoint id, or null for {@code <hostname>-<port>} once the port is bound
 * @param ttl the lease asked of the EDS server; the backend heartbeats every third of it
 * @param grace how long open streams may go on after SIGTERM
 * @param metadata sent with the registration
 */
public record BackendConfig(
    EdsAddress edsServer,
    String address,
    String bindHost,
    int port,
    String cluster,
    int capacity,
    String id,
    Duration ttl,
    Duration grace,
    Map<String, String> metadata) {

  /** The EDS server's rule for cluster names and endpoint ids. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  public static final String DEFAULT_CLUSTER = "demo";
  public static final int DEFAULT_CAPACITY = 3;
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  public BackendConfig {
    Objects.requireNonNull(edsServer, "edsServer");
    Objects.requireNonNull(bindHost, "bindHost");
    if (!IpLiterals.isIpLiteral(address)) {
      throw new IllegalArgumentException(
          "address (MY_IP) must be an IPv4 or IPv6 literal, was '" + address + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
    requireName("cluster", cluster);
    if (id != null) {
      requireName("id", id);
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    if (ttl.toSeconds() < 1) {
      throw new IllegalArgumentException("ttl must be at least 1 second, was " + ttl);
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative, was " + grace);
    }
    metadata = Map.copyOf(metadata);
  }

  /** A backend of the default cluster and capacity on a free port of the loopback interface. */
  public static BackendConfig loopback(EdsAddress edsServer) {
    return new BackendConfig(
        edsServer,
        "127.0.0.1",
        "127.0.0.1",
        0,
        DEFAULT_CLUSTER,
        DEFAULT_CAPACITY,
        null,
        DEFAULT_TTL,
        DEFAULT_GRACE,
        Map.of());
  }

  public BackendConfig withCapacity(int newCapacity) {
    return new BackendConfig(
        edsServer, address, bindHost, port, cluster, newCapacity, id, ttl, grace, metadata);
  }

  public BackendConfig withId(String newId) {
    return new BackendConfig(
        edsServer, address, bindHost, port, cluster, capacity, newId, ttl, grace, metadata);
  }

  public BackendConfig withTtl(Duration newTtl) {
    return new BackendConfig(
        edsServer, address, bindHost, port, cluster, capacity, id, newTtl, grace, metadata);
  }

  public BackendConfig withGrace(Duration newGrace) {
    return new BackendConfig(
        edsServer, address, bindHost, port, cluster, capacity, id, ttl, newGrace, metadata);
  }

  /** How often the backend renews its lease: a third of it, so two heartbeats may be lost. */
  public Duration heartbeatInterval() {
    return ttl.dividedBy(3);
  }

  private static void requireName(String what, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " must match " + NAME.pattern() + ", was '" + value + "'");
    }
  }
}
