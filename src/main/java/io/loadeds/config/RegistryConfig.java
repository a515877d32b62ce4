package io.loadeds.config;

import java.time.Duration;

/**
 * Leases and load policy. Immutable.
 *
 * @param defaultTtl lease length for registrations that name none (default 15 s)
 * @param maxTtl the longest lease a backend may ask for (default 1 h)
 * @param reaperInterval how often lapsed leases are looked for (default 1 s); an endpoint leaves
 *     EDS at most this long after its lease lapses
 * @param expiredRetention how long an expired record stays visible in the API (default 60 s)
 * @param readmitHysteresis free slots beyond one that a full endpoint needs before it is
 *     re-admitted (default 0: back as soon as there is room)
 * @param selfPreservation when a mass expiry of one cluster's leases is held back
 */
public record RegistryConfig(
    Duration defaultTtl,
    Duration maxTtl,
    Duration reaperInterval,
    Duration expiredRetention,
    int readmitHysteresis,
    SelfPreservationConfig selfPreservation) {

  /** A configuration with the default {@link SelfPreservationConfig}. */
  public RegistryConfig(
      Duration defaultTtl,
      Duration maxTtl,
      Duration reaperInterval,
      Duration expiredRetention,
      int readmitHysteresis) {
    this(
        defaultTtl,
        maxTtl,
        reaperInterval,
        expiredRetention,
        readmitHysteresis,
        SelfPreservationConfig.defaults());
  }

  public static RegistryConfig defaults() {
    return new RegistryConfig(
        Duration.ofSeconds(15),
        Duration.ofHours(1),
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        0);
  }

  /** Checks the values; throws {@link IllegalArgumentException} naming the first bad one. */
  public RegistryConfig validate() {
    Checks.positive("registry.defaultTtl", defaultTtl);
    Checks.positive("registry.maxTtl", maxTtl);
    Checks.positive("registry.reaperInterval", reaperInterval);
    Checks.notNegative("registry.expiredRetention", expiredRetention);
    if (defaultTtl.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException("registry.defaultTtl must not exceed registry.maxTtl");
    }
    if (readmitHysteresis < 0) {
      throw new IllegalArgumentException("registry.readmitHysteresis must be >= 0");
    }
    if (selfPreservation == null) {
      throw new IllegalArgumentException("registry.selfPreservation must be set");
    }
    selfPreservation.validate();
    return this;
  }

  public RegistryConfig withDefaultTtl(Duration v) {
    return new RegistryConfig(
        v, maxTtl, reaperInterval, expiredRetention, readmitHysteresis, selfPreservation);
  }

  public RegistryConfig withMaxTtl(Duration v) {
    return new RegistryConfig(
        defaultTtl, v, reaperInterval, expiredRetention, readmitHysteresis, selfPreservation);
  }

  public RegistryConfig withExpiredRetention(Duration v) {
    return new RegistryConfig(
        defaultTtl, maxTtl, reaperInterval, v, readmitHysteresis, selfPreservation);
  }

  public RegistryConfig withReaperInterval(Duration v) {
    return new RegistryConfig(
        defaultTtl, maxTtl, v, expiredRetention, readmitHysteresis, selfPreservation);
  }

  public RegistryConfig withReadmitHysteresis(int v) {
    return new RegistryConfig(
        defaultTtl, maxTtl, reaperInterval, expiredRetention, v, selfPreservation);
  }

  public RegistryConfig withSelfPreservation(SelfPreservationConfig v) {
    return new RegistryConfig(
        defaultTtl, maxTtl, reaperInterval, expiredRetention, readmitHysteresis, v);
  }
}
