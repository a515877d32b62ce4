package io.loadeds.config;

/**
 * Limits that keep one client from exhausting the server. Immutable.
 *
 * @param maxEndpointsPerCluster records one cluster may hold (default 10000); more → 409
 * @param maxClusters clusters the registry may hold (default 10000); more → 409
 * @param registrationsPerSecondPerClient REST writes a second per client address (default 200,
 *     bursts of one second's worth; 0 turns the limit off); more → 429 with Retry-After
 * @param maxStreamsPerConnection gRPC xDS streams open at once on one connection (default 100);
 *     more end at once with RESOURCE_EXHAUSTED
 * @param maxStreams gRPC xDS streams open at once in total (default 10000); more end at once with
 *     RESOURCE_EXHAUSTED
 * @param maxOtherStreams gRPC health watches and ext_proc exchanges open at once in total (default
 *     10000), which the two xDS limits do not count, and apart from them health checks, against the
 *     same number; more end at once with RESOURCE_EXHAUSTED
 */
public record LimitsConfig(
    int maxEndpointsPerCluster,
    int maxClusters,
    int registrationsPerSecondPerClient,
    int maxStreamsPerConnection,
    int maxStreams,
    int maxOtherStreams) {
  private static final int DEFAULT_STREAMS_PER_CONNECTION = 100;
  private static final int DEFAULT_STREAMS = 10_000;

  public static LimitsConfig defaults() {
    return new LimitsConfig(10_000, 10_000, 200);
  }

  /** The limits with the default stream limits. */
  public LimitsConfig(
      int maxEndpointsPerCluster, int maxClusters, int registrationsPerSecondPerClient) {
    this(
        maxEndpointsPerCluster,
        maxClusters,
        registrationsPerSecondPerClient,
        DEFAULT_STREAMS_PER_CONNECTION,
        DEFAULT_STREAMS,
        DEFAULT_STREAMS);
  }

  public LimitsConfig validate() {
    Checks.range("limits.maxEndpointsPerCluster", maxEndpointsPerCluster, 1, 1_000_000);
    Checks.range("limits.maxClusters", maxClusters, 1, 1_000_000);
    Checks.range(
        "limits.registrationsPerSecondPerClient", registrationsPerSecondPerClient, 0, 1_000_000);
    Checks.range("limits.maxStreamsPerConnection", maxStreamsPerConnection, 1, 1_000_000);
    Checks.range("limits.maxStreams", maxStreams, 1, 10_000_000);
    Checks.range("limits.maxOtherStreams", maxOtherStreams, 1, 10_000_000);
    return this;
  }

  public LimitsConfig withMaxEndpointsPerCluster(int v) {
    return new LimitsConfig(
        v,
        maxClusters,
        registrationsPerSecondPerClient,
        maxStreamsPerConnection,
        maxStreams,
        maxOtherStreams);
  }

  public LimitsConfig withMaxClusters(int v) {
    return new LimitsConfig(
        maxEndpointsPerCluster,
        v,
        registrationsPerSecondPerClient,
        maxStreamsPerConnection,
        maxStreams,
        maxOtherStreams);
  }

  public LimitsConfig withRegistrationsPerSecondPerClient(int v) {
    return new LimitsConfig(
        maxEndpointsPerCluster,
        maxClusters,
        v,
        maxStreamsPerConnection,
        maxStreams,
        maxOtherStreams);
  }

  public LimitsConfig withMaxStreamsPerConnection(int v) {
    return new LimitsConfig(
        maxEndpointsPerCluster,
        maxClusters,
        registrationsPerSecondPerClient,
        v,
        maxStreams,
        maxOtherStreams);
  }

  public LimitsConfig withMaxStreams(int v) {
    return new LimitsConfig(
        maxEndpointsPerCluster,
        maxClusters,
        registrationsPerSecondPerClient,
        maxStreamsPerConnection,
        v,
        maxOtherStreams);
  }

  public LimitsConfig withMaxOtherStreams(int v) {
    return new LimitsConfig(
        maxEndpointsPerCluster,
        maxClusters,
        registrationsPerSecondPerClient,
        maxStreamsPerConnection,
        maxStreams,
        v);
  }
}
