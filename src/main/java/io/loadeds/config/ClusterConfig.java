package io.loadeds.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Scale-out: whether this server is one replica of several that share one registry through
 * Hazelcast (see {@code io.loadeds.cluster}), and how the replicas find each other. Immutable.
 *
 * @param enabled run as a clustered replica (default false: one process, no Hazelcast loaded)
 * @param host interface the cluster connections bind and advertise (default {@code 127.0.0.1})
 * @param port port of the cluster connections (default 5701); one concrete port per replica, so
 *     that the member lists of the others can name it
 * @param members the other replicas as {@code host:port} (TCP/IP join); this replica's own address
 *     may be listed too, so every replica can share one list. Empty and no multicast: a cluster of
 *     one until others list it
 * @param multicast find replicas by multicast as well (default false; often blocked off a LAN)
 */
public record ClusterConfig(
    boolean enabled, String host, int port, List<String> members, boolean multicast) {
  public ClusterConfig {
    members = List.copyOf(Objects.requireNonNull(members, "cluster.members"));
  }

  public static ClusterConfig defaults() {
    return new ClusterConfig(false, "127.0.0.1", 5701, List.of(), false);
  }

  /** Checks the values; throws {@link IllegalArgumentException} naming the first bad one. */
  public ClusterConfig validate() {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("cluster.host must be set");
    }
    Checks.range("cluster.port", port, 1, 65535);
    for (String m : members) {
      member(m);
    }
    return this;
  }

  /**
   * One member list entry as host and port; a missing port is the default 5701.
   *
   * @throws IllegalArgumentException naming the entry when it is not {@code host[:port]}
   */
  public static HostPort member(String entry) {
    String s = entry.strip();
    int colon = s.lastIndexOf(':');
    // "[v6]:port" or "v4:port" or "host"; a bare IPv6 literal has several colons and no port.
    boolean hasPort =
        colon > 0 && (s.startsWith("[") ? s.indexOf(']') < colon : s.indexOf(':') == colon);
    String host = hasPort ? s.substring(0, colon) : s;
    host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    int port = 5701;
    if (hasPort) {
      try {
        port = Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("cluster.members: '" + entry + "' has no valid port");
      }
    }
    if (host.isBlank() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("cluster.members: '" + entry + "' is not host:port");
    }
    return new HostPort(host, port);
  }

  /** A member address. */
  public record HostPort(String host, int port) {}

  public ClusterConfig withEnabled(boolean v) {
    return new ClusterConfig(v, host, port, members, multicast);
  }

  public ClusterConfig withHost(String v) {
    return new ClusterConfig(enabled, v.strip(), port, members, multicast);
  }

  public ClusterConfig withPort(int v) {
    return new ClusterConfig(enabled, host, v, members, multicast);
  }

  public ClusterConfig withMembers(List<String> v) {
    return new ClusterConfig(enabled, host, port, new ArrayList<>(v), multicast);
  }

  public ClusterConfig withMulticast(boolean v) {
    return new ClusterConfig(enabled, host, port, members, v);
  }
}
