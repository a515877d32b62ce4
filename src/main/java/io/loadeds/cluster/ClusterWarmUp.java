package io.loadeds.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.time.Clock;
import java.time.Duration;

/**
 * The cluster's one warm-up ({@code xds.warmUp}): the member that starts a cluster (a first start,
 * or every replica of a cluster restarting together) records in the map when its warm-up ends, and
 * every member that joins reads that moment and ends its own warm-up then. Replicas started
 * together therefore hold back empty answers as long as the first one does, and end together: the
 * backends re-register with whichever replica they reach, so no replica has heard from them sooner.
 * A member that joins once that moment has passed has taken the cluster's state and serves at once.
 *
 * <p>The moment is wall-clock time, like leases: replicas' clocks are kept in sync. Stateless;
 * {@link #remaining} blocks on the map (run it on a worker).
 */
final class ClusterWarmUp {
  private static final System.Logger LOG = System.getLogger(ClusterWarmUp.class.getName());
  static final String ENDS_AT = "warmUpEndsAt";

  private ClusterWarmUp() {}

  /**
   * How much of the cluster's warm-up is left for this member, recording this member's own end as
   * the cluster's when none is recorded yet.
   *
   * @param warmUp this replica's {@code xds.warmUp}
   * @return zero when the cluster's warm-up is over; {@code warmUp} when this member starts it
   */
  static Duration remaining(HazelcastInstance hz, Clock clock, Duration warmUp) {
    IMap<String, Long> state = hz.getMap(HazelcastSetup.STATE_MAP);
    long now = clock.millis();
    Long endsAt = state.putIfAbsent(ENDS_AT, now + warmUp.toMillis());
    if (endsAt == null) {
      LOG.log(
          System.Logger.Level.INFO,
          "cluster: this replica starts the cluster warm-up ({0} ms)",
          Long.toString(warmUp.toMillis()));
      return warmUp;
    }
    Duration left = Duration.ofMillis(Math.max(0, endsAt - now));
    if (left.isZero()) {
      LOG.log(System.Logger.Level.INFO, "cluster: the cluster has warmed up; no warm-up here");
    } else {
      LOG.log(
          System.Logger.Level.INFO,
          "cluster: the cluster warm-up ends in {0} ms; this replica ends its own then",
          Long.toString(left.toMillis()));
    }
    return left;
  }
}
