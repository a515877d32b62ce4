package io.loadeds.auth;

import io.loadeds.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which address ranges each cluster's endpoints may use: a cluster's own list, else the default
 * list under {@code *}, else anything. So a stolen token cannot point a cluster's traffic anywhere.
 * Immutable and thread-safe.
 */
public final class AddressAllowList {
  /** The key of the list that applies to clusters without one of their own. */
  public static final String DEFAULT = "*";

  private final Map<String, List<CidrRange>> ranges;

  private AddressAllowList(Map<String, List<CidrRange>> ranges) {
    this.ranges = ranges;
  }

  /**
   * Parses cluster name (or {@code *}) → CIDR texts ({@code auth.allowedAddresses}).
   *
   * @throws ConfigException naming the setting, the cluster and the bad range
   */
  public static AddressAllowList of(Map<String, List<String>> config) {
    Map<String, List<CidrRange>> out = new LinkedHashMap<>();
    config.forEach(
        (cluster, list) -> {
          try {
            out.put(cluster, list.stream().map(CidrRange::parse).toList());
          } catch (IllegalArgumentException e) {
            throw new ConfigException(
                "auth.allowedAddresses: cluster '" + cluster + "': " + e.getMessage(), e);
          }
        });
    return new AddressAllowList(Map.copyOf(out));
  }

  /** Whether endpoints of {@code cluster} may use {@code address}. */
  public boolean allows(String cluster, String address) {
    return rangesFor(cluster).map(l -> l.stream().anyMatch(r -> r.contains(address))).orElse(true);
  }

  /** The ranges that apply to {@code cluster}, or empty when it may use any address. */
  public Optional<List<CidrRange>> rangesFor(String cluster) {
    List<CidrRange> own = ranges.get(cluster);
    return Optional.ofNullable(own != null ? own : ranges.get(DEFAULT));
  }
}
