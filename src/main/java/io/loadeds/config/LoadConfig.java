package io.loadeds.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Where load comes from, and the Load Reporting Service (LRS) that lets Envoy and proxyless gRPC
 * clients report the load they send each endpoint. Immutable.
 *
 * @param source which figure admission and weights use (default {@link LoadSource#BACKEND})
 * @param lrs serve LRS and set {@code lrs_server} on the published clusters even when {@code
 *     source} is {@code backend} (the figures then only show in metrics and {@code /v1/debug/lrs});
 *     {@code source} {@code lrs} or {@code max} turns LRS on by itself (default false)
 * @param lrsInterval the load reporting interval asked of every client (default 1 s); a client
 *     silent for two intervals stops counting
 */
public record LoadConfig(LoadSource source, boolean lrs, Duration lrsInterval) {
  public LoadConfig {
    Objects.requireNonNull(source, "load.source");
    Objects.requireNonNull(lrsInterval, "load.lrsInterval");
  }

  public static LoadConfig defaults() {
    return new LoadConfig(LoadSource.BACKEND, false, Duration.ofSeconds(1));
  }

  /** Whether LRS is served: asked for, or needed by the load source. */
  public boolean lrsEnabled() {
    return lrs || source != LoadSource.BACKEND;
  }

  public LoadConfig validate() {
    if (lrsInterval.compareTo(Duration.ofMillis(100)) < 0
        || lrsInterval.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("load.lrsInterval must be between 100ms and 10m");
    }
    return this;
  }

  public LoadConfig withSource(LoadSource v) {
    return new LoadConfig(v, lrs, lrsInterval);
  }

  public LoadConfig withLrs(boolean v) {
    return new LoadConfig(source, v, lrsInterval);
  }

  public LoadConfig withLrsInterval(Duration v) {
    return new LoadConfig(source, lrs, v);
  }
}
