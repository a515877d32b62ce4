package io.loadeds.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * How the endpoints map heals after a split brain: of the two records of one endpoint, the one with
 * the higher sequence number stays. That is the order in which every replica applies records
 * ({@link ClusterReplica} ignores a record older than the one it applied), so the map and the
 * replicas agree on the winner; and sequence numbers follow the writers' clocks ({@link
 * SequencedPut}), so the winner is the record written last on either side, a deregistration's
 * tombstone included.
 *
 * <p>Hazelcast's {@code LatestUpdateMergePolicy}, used before, judges by the map's own update times
 * instead: Hazelcast keeps them to the second, and a tie goes to the side being merged, so of two
 * writes in the same second the merged side's won whichever came last (and a partition owner's
 * clock, not the writer's, stamps them). Replicas that had applied the later record then ignored
 * the merged one as older, and the map and the replicas disagreed until the endpoint's next write;
 * for a deregistered endpoint, never.
 *
 * <p>Stateless; Hazelcast ships it with its merge operations, hence the serialization methods and
 * the public constructor.
 */
public final class LatestSequenceMergePolicy
    implements SplitBrainMergePolicy<ReplicatedRecord, MergingValue<ReplicatedRecord>, Object> {
  /** For Hazelcast, which makes it from the class name and deserializes it. */
  public LatestSequenceMergePolicy() {}

  @Override
  public Object merge(
      MergingValue<ReplicatedRecord> merging, MergingValue<ReplicatedRecord> existing) {
    if (merging == null) {
      return existing == null ? null : existing.getRawValue();
    }
    if (existing == null) {
      return merging.getRawValue();
    }
    // Equal numbers are the same write: keep the entry as it is, which fires no event.
    return merging.getValue().seq > existing.getValue().seq
        ? merging.getRawValue()
        : existing.getRawValue();
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // no state
  }

  @Override
  public void readData(ObjectDataInput in) {
    // no state
  }
}
