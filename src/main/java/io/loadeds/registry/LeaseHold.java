package io.loadeds.registry;

import io.loadeds.config.SelfPreservationConfig;
import java.time.Instant;

/**
 * Self-preservation of one cluster: decides, once per reaper pass, whether the leases that lapsed
 * are expired or held back (see {@link SelfPreservationConfig} for when). An episode starts when
 * the threshold is crossed and lasts until no held lease remains lapsed (all renewed) or until
 * {@code maxHold} has passed, after which the lapsed leases expire normally. Each episode logs one
 * WARNING with the counts when it starts and one INFO line when it ends.
 *
 * <p>Not thread-safe: owned by a {@link ClusterTable} and called under its lock.
 */
final class LeaseHold {
  private static final System.Logger LOG = System.getLogger(LeaseHold.class.getName());

  private final String cluster;
  private Instant holdUntil; // null: no episode

  LeaseHold(String cluster) {
    this.cluster = cluster;
  }

  /**
   * Whether the {@code lapsed} leases (of {@code live} unexpired endpoints) are held back in this
   * pass rather than expired.
   */
  boolean holds(int lapsed, int live, Instant now, SelfPreservationConfig config) {
    if (holdUntil != null) {
      if (lapsed == 0) {
        LOG.log(
            System.Logger.Level.INFO,
            "self-preservation of cluster {0} ended: every held lease was renewed",
            cluster);
        holdUntil = null;
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
      return false;
    }
    if (!config.triggers(lapsed, live)) {
      return false;
    }
    holdUntil = now.plus(config.maxHold());
    LOG.log(
        System.Logger.Level.WARNING,
        "SELF-PRESERVATION for cluster {0}: {1} of its {2} live endpoints'' leases lapsed in one"
            + " reaper pass (threshold: more than {3}% and at least {4}); a registry-side network"
            + " problem is more likely than that many dead backends, so they stay published until"
            + " {5} unless renewed",
        cluster,
        lapsed,
        live,
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
