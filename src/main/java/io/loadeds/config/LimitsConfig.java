package io.loadeds.config;

/**
 * Limits that keep one client from exhausting the server. Immutable.
 *
 * @param maxEndpointsPerCluster records one cluster may hold (default 10000); more → 409
 * @param maxClusters clusters the registry may hold (default 10000); more → 409
 * @param registrationsPerSecondPerClient REST writes a second per client address (default 200,
 *     bursts of one second's worth; 0 turns the limit off); more → 429 with Retry-After
 */
public record LimitsConfig(
    int maxEndpointsPerCluster, int maxClusters, int registrationsPerSecondPerClient) {
  public static LimitsConfig defaults() {
    return new LimitsConfig(10_000, 10_000, 200);
  }

  public LimitsConfig validate() {
    Checks.range("limits.maxEndpointsPerCluster", maxEndpointsPerCluster, 1, 1_000_000);
    Checks.range("limits.maxClusters", maxClusters, 1, 1_000_000);
    Checks.range(
        "limits.registrationsPerSecondPerClient", registrationsPerSecondPerClient, 0, 1_000_000);
    return this;
  }

  public LimitsConfig withMaxEndpointsPerCluster(int v) {
    return new LimitsConfig(v, maxClusters, registrationsPerSecondPerClient);
  }

  public LimitsConfig withMaxClusters(int v) {
    return new LimitsConfig(maxEndpointsPerCluster, v, registrationsPerSecondPerClient);
  }

  public LimitsConfig withRegistrationsPerSecondPerClient(int v) {
    return new LimitsConfig(maxEndpointsPerCluster, maxClusters, v);
  }
}
