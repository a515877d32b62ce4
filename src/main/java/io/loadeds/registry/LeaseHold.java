package io.loadeds.registry;

import io.loadeds.config.SelfPreservationConfig;
import java.time.Duration;
import java.time.Instant;

/**
 * Self-preservation of one cluster: decides, once per reaper pass, whether the leases that lapsed
 * are expired or held back (see {@link SelfPreservationConfig} for when; leases that lapsed within
 * one lease length before count together, see {@link #lapsedRecently}). An episode starts when the
 * threshold is crossed and lasts until no held lease remains lapsed (all renewed) or until {@code
 * maxHold} has passed, after which the lapsed leases expire normally. Each episode logs one WARNING
 * with the counts when it starts and one INFO line when it ends.
 *
 * <p>Not thread-safe: owned by a {@link ClusterTable} and called under its lock.
 */
final class LeaseHold {
  private static final System.Logger LOG = System.getLogger(LeaseHold.class.getName());

  private final String cluster;
  private Instant holdUntil; // null: no episode
  // When the last episode ended: expiries up to then (the held leases that ran out) do not count
  // towards the next one, or one partition would chain hold after hold.
  private Instant lastEnded = Instant.MIN;

  LeaseHold(String cluster) {
    this.cluster = cluster;
  }

  /**
   * Whether an endpoint that expired at {@code expiredAt}, with a lease of {@code ttl}, counts as
   * lapsed together with the leases lapsing now: it expired within one lease length, and after the
   * last episode ended.
   *
   * <p>Why a lease length: a network problem cuts every backend's heartbeats at the same moment,
   * but their leases, renewed at different moments, lapse spread over up to one lease length; a
   * single pass would see only a slice of them and expire the cluster slice by slice.
   */
  boolean lapsedRecently(Instant expiredAt, Duration ttl, Instant now) {
    return ttl != null && expiredAt.isAfter(lastEnded) && expiredAt.plus(ttl).isAfter(now);
  }

  /**
   * Whether the {@code lapsed} leases are held back in this pass rather than expired.
   *
   * @param lapsed leases lapsed now and not expired yet
   * @param recent endpoints already expired that lapsed together with them ({@link
   *     #lapsedRecently})
   * @param live endpoints not expired, the lapsed ones included
   */
  boolean holds(int lapsed, int recent, int live, Instant now, SelfPreservationConfig config) {
    if (holdUntil != null) {
      if (lapsed == 0) {
        LOG.log(
            System.Logger.Level.INFO,
            "self-preservation of cluster {0} ended: every held lease was renewed",
            cluster);
        holdUntil = null;
        lastEnded = now;
        return false;
      }
      if (now.isBefore(holdUntil)) {
        return true;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "self-preservation of cluster {0} ended after {1}: {2} lease(s) still lapsed expire now",
          cluster,
          config.maxHold(),
          lapsed);
      holdUntil = null;
      lastEnded = now;
      return false;
    }
    if (lapsed == 0 || !config.triggers(lapsed + recent, live + recent)) {
      return false;
    }
    holdUntil = now.plus(config.maxHold());
    LOG.log(
        System.Logger.Level.WARNING,
        "SELF-PRESERVATION for cluster {0}: the leases of {1} of its {2} endpoints lapsed within"
            + " one lease length ({3} now, {4} expired already; threshold: more than {5}% and at"
            + " least {6}); a registry-side network problem is more likely than that many dead"
            + " backends, so the {3} lapsed now stay published until {7} unless renewed",
        cluster,
        lapsed + recent,
        live + recent,
        lapsed,
        recent,
        Math.round(config.threshold() * 100),
        SelfPreservationConfig.MIN_LAPSED,
        holdUntil);
    return true;
  }

  /** Whether an episode is under way. */
  boolean active() {
    return holdUntil != null;
  }
}
