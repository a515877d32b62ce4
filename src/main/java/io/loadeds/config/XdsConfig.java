package io.loadeds.config;

import java.time.Duration;

/**
 * How xDS resources are published. Immutable.
 *
 * @param weightCoalesceWindow how long weight-only changes of a cluster may wait to be folded into
 *     one push (default 100 ms; 0 pushes every change at once). Admission changes never wait.
 * @param maxMessageBytes largest gRPC message accepted from a client (default 4 MiB); also how many
 *     characters the names an incremental (delta) client subscribes to for one type may add up to,
 *     as a SotW client can name no more than one request carries
 * @param warmUp how long after start a request for an endpoint assignment the server has not heard
 *     of is held instead of answered with an empty one, so that a restarted server does not empty
 *     every client's cluster before the backends re-register (default 5 s, about one heartbeat; 0
 *     turns it off). {@code /readyz} answers 503 until it is over.
 * @param endpointStaleAfter when positive, set as {@code policy.endpoint_stale_after} on every
 *     assignment: Envoy drops the endpoints when it hears nothing from the server for that long
 *     (default 0: not set)
 * @param maxNamesPerSubscription how many resources one client may name for one type (default
 *     10000, the default of {@code limits.maxClusters}): every name costs the server an index entry
 *     and an answer, and a single 4 MiB request could otherwise name hundreds of thousands. A
 *     request naming more ends its stream with INVALID_ARGUMENT, or gets 400 over REST.
 */
public record XdsConfig(
    Duration weightCoalesceWindow,
    int maxMessageBytes,
    Duration warmUp,
    Duration endpointStaleAfter,
    int maxNamesPerSubscription) {

  /** A configuration with the default warm-up and no {@code endpoint_stale_after}. */
  public XdsConfig(Duration weightCoalesceWindow, int maxMessageBytes) {
    this(weightCoalesceWindow, maxMessageBytes, Duration.ofSeconds(5), Duration.ZERO, 10_000);
  }

  public static XdsConfig defaults() {
    return new XdsConfig(Duration.ofMillis(100), 4 * 1024 * 1024);
  }

  public XdsConfig validate() {
    Checks.notNegative("xds.weightCoalesceWindow", weightCoalesceWindow);
    if (weightCoalesceWindow.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException("xds.weightCoalesceWindow must be at most 10s");
    }
    Checks.range("xds.maxMessageBytes", maxMessageBytes, 1024, 64 * 1024 * 1024);
    Checks.notNegative("xds.warmUp", warmUp);
    if (warmUp.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("xds.warmUp must be at most 10m");
    }
    Checks.range("xds.maxNamesPerSubscription", maxNamesPerSubscription, 1, 1_000_000);
    Checks.notNegative("xds.endpointStaleAfter", endpointStaleAfter);
    if (!endpointStaleAfter.isZero() && endpointStaleAfter.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("xds.endpointStaleAfter must be 0 (off) or at least 1s");
    }
    return this;
  }

  public XdsConfig withWeightCoalesceWindow(Duration v) {
    return new XdsConfig(v, maxMessageBytes, warmUp, endpointStaleAfter, maxNamesPerSubscription);
  }

  public XdsConfig withMaxMessageBytes(int v) {
    return new XdsConfig(
        weightCoalesceWindow, v, warmUp, endpointStaleAfter, maxNamesPerSubscription);
  }

  public XdsConfig withWarmUp(Duration v) {
    return new XdsConfig(
        weightCoalesceWindow, maxMessageBytes, v, endpointStaleAfter, maxNamesPerSubscription);
  }

  public XdsConfig withEndpointStaleAfter(Duration v) {
    return new XdsConfig(weightCoalesceWindow, maxMessageBytes, warmUp, v, maxNamesPerSubscription);
  }

  public XdsConfig withMaxNamesPerSubscription(int v) {
    return new XdsConfig(weightCoalesceWindow, maxMessageBytes, warmUp, endpointStaleAfter, v);
  }
}
