package io.loadeds.config;

import java.time.Duration;

/**
 * How xDS resources are published. Immutable.
 *
 * @param weightCoalesceWindow how long weight-only changes of a cluster may wait to be folded into
 *     one push (default 100 ms; 0 pushes every change at once). Admission changes never wait.
 * @param maxMessageBytes largest gRPC message accepted from a client (default 4 MiB)
 */
public record XdsConfig(Duration weightCoalesceWindow, int maxMessageBytes) {
  public static XdsConfig defaults() {
    return new XdsConfig(Duration.ofMillis(100), 4 * 1024 * 1024);
  }

  public XdsConfig validate() {
    Checks.notNegative("xds.weightCoalesceWindow", weightCoalesceWindow);
    if (weightCoalesceWindow.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new IllegalArgumentException("xds.weightCoalesceWindow must be at most 10s");
    }
    Checks.range("xds.maxMessageBytes", maxMessageBytes, 1024, 64 * 1024 * 1024);
    return this;
  }

  public XdsConfig withWeightCoalesceWindow(Duration v) {
    return new XdsConfig(v, maxMessageBytes);
  }

  public XdsConfig withMaxMessageBytes(int v) {
    return new XdsConfig(weightCoalesceWindow, v);
  }
}
