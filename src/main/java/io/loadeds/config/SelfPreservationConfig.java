package io.loadeds.config;

import java.time.Duration;

/**
 * When the reaper holds back a mass expiry of one cluster's leases (self-preservation). Immutable.
 *
 * <p>In a reaper pass, if {@code lapsed >= 2} and {@code lapsed > threshold * live}, the lapsed
 * leases are more likely lost to a registry-side network problem than to that many backends dying
 * together: they stay published for at most {@code maxHold}. {@code lapsed} counts the leases
 * lapsed now plus the endpoints that expired within one lease length before (a partition cuts all
 * heartbeats at once, but leases renewed at different moments lapse spread over one lease length);
 * {@code live} counts the cluster's endpoints not expired plus those same recently expired ones.
 * Endpoints that renew meanwhile are normal again; the rest expire when the hold ends.
 *
 * @param threshold fraction of the live endpoints that must lapse in one pass (default 0.5: more
 *     than half); 1 never triggers
 * @param maxHold how long lapsed leases are kept published (default 30 s; 0 turns it off)
 */
public record SelfPreservationConfig(double threshold, Duration maxHold) {
  /**
   * The fewest lapsed leases in one pass that can start a hold: one dead backend always expires.
   */
  public static final int MIN_LAPSED = 2;

  public static SelfPreservationConfig defaults() {
    return new SelfPreservationConfig(0.5, Duration.ofSeconds(30));
  }

  /** Self-preservation turned off: every lapsed lease expires at once. */
  public static SelfPreservationConfig off() {
    return new SelfPreservationConfig(0.5, Duration.ZERO);
  }

  public boolean enabled() {
    return !maxHold.isZero();
  }

  /** Checks the values; throws {@link IllegalArgumentException} naming the first bad one. */
  public SelfPreservationConfig validate() {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException(
          "registry.selfPreservation.threshold must be in 0..1, got " + threshold);
    }
    Checks.notNegative("registry.selfPreservation.maxHold", maxHold);
    return this;
  }

  public SelfPreservationConfig withThreshold(double v) {
    return new SelfPreservationConfig(v, maxHold);
  }

  public SelfPreservationConfig withMaxHold(Duration v) {
    return new SelfPreservationConfig(threshold, v);
  }

  /** Whether {@code lapsed} of {@code live} endpoints lapsing together starts a hold. */
  public boolean triggers(int lapsed, int live) {
    return enabled() && lapsed >= MIN_LAPSED && lapsed > threshold * live;
  }
}
