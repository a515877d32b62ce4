package io.loadeds.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What a replica does when its side of a split brain has been merged into the other: it loads the
 * merged map again. When a partition heals, Hazelcast merges the smaller side's map into the larger
 * side's, and the records that win reach every member as merged events; but a member of the merged
 * side hears nothing of what the larger side held or won (an entry the merge leaves as it was fires
 * no event), so without a reload it would keep serving its own side's records: endpoints registered
 * on the other side missing, deregistered ones still published.
 *
 * <p>Hazelcast announces the merge as soon as the member has joined, before it knows the partition
 * table (a read then finds an empty map) and while its side's entries are still being merged, so
 * the reload waits until every partition has an owner and nothing migrates. Records merged after
 * the reload read the map arrive as events; the replica applies records in sequence order, so
 * reload and events may interleave.
 *
 * <p>Threading: Hazelcast calls {@link #stateChanged} on its merge thread; the wait and the reload
 * run on {@code blocking}.
 */
final class MergeReload implements LifecycleListener {
  private static final System.Logger LOG = System.getLogger(MergeReload.class.getName());
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);

  private final HazelcastInstance hz;
  private final IntSupplier load;
  private final BooleanSupplier closed;
  private final Executor blocking;

  /**
   * @param load applies every record of the map and returns how many it read; blocks
   * @param closed whether the replica has stopped applying the cluster's changes
   */
  MergeReload(HazelcastInstance hz, IntSupplier load, BooleanSupplier closed, Executor blocking) {
    this.hz = hz;
    this.load = load;
    this.closed = closed;
    this.blocking = blocking;
  }

  @Override
  public void stateChanged(LifecycleEvent e) {
    if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
      blocking.execute(this::reload);
    }
  }

  private void reload() {
    try {
      if (!awaitSettled()) {
        return;
      }
      int loaded = load.getAsInt();
      Set<Member> members = hz.getCluster().getMembers();
      LOG.log(
          System.Logger.Level.INFO,
          "cluster: merged into a cluster of {0} member(s) {1}; {2} endpoint record(s) reloaded",
          members.size(),
          members.stream().map(m -> m.getAddress().toString()).toList(),
          loaded);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException ex) {
      LOG.log(
          System.Logger.Level.ERROR,
          "cluster: cannot reload the records after a merge; this replica may serve what its side"
              + " held until each endpoint's next write: "
              + ex);
    }
  }

  /** Waits until the partitions have settled; false when the replica closed meanwhile. */
  private boolean awaitSettled() throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    while (!settled()) {
      if (closed.getAsBoolean()) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        LOG.log(
            System.Logger.Level.WARNING,
            "cluster: partitions still unsettled {0} after a merge; reloading anyway",
            SETTLE_LIMIT);
        break;
      }
      Thread.sleep(100);
    }
    return !closed.getAsBoolean();
  }

  private boolean settled() {
    PartitionService partitions = hz.getPartitionService();
    for (Partition p : partitions.getPartitions()) {
      if (p.getOwner() == null) {
        return false;
      }
    }
    return partitions.isClusterSafe();
  }
}
