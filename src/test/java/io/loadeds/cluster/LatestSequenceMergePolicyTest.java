package io.loadeds.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.spi.merge.MergingValue;
import org.junit.jupiter.api.Test;

/**
 * After a split brain, the map keeps the record the replicas would keep: the higher sequence
 * number, whichever side is being merged; a tombstone wins like any record.
 */
class LatestSequenceMergePolicyTest {
  final LatestSequenceMergePolicy policy = new LatestSequenceMergePolicy();

  @Test
  void theHigherSequenceNumberStaysWhicheverSideIsMerged() {
    Value older = new Value(5);
    Value newer = new Value(7);

    assertThat(policy.merge(newer, older)).isSameAs(newer.getRawValue());
    assertThat(policy.merge(older, newer)).isSameAs(newer.getRawValue());
  }

  @Test
  void theSameWriteOnBothSidesLeavesTheEntryAsItIs() {
    Value merging = new Value(5);
    Value existing = new Value(5);

    assertThat(policy.merge(merging, existing)).isSameAs(existing.getRawValue());
  }

  @Test
  void aRecordHeldOnOneSideOnlyStays() {
    Value only = new Value(3);

    assertThat(policy.merge(only, null)).isSameAs(only.getRawValue());
    assertThat(policy.merge(null, only)).isSameAs(only.getRawValue());
  }

  @Test
  void travelsWithTheMergeOperations() {
    SerializationService serialization = new DefaultSerializationServiceBuilder().build();

    Object back = serialization.toObject(serialization.toData(policy));

    assertThat(back).isInstanceOf(LatestSequenceMergePolicy.class);
  }

  /** One side's entry: a tombstone record with a sequence number, and a raw form of its own. */
  private static final class Value implements MergingValue<ReplicatedRecord> {
    private final ReplicatedRecord record;
    private final Object raw = new Object();

    Value(long seq) {
      this.record = new ReplicatedRecord(null, "origin", 0).withSeq(seq);
    }

    @Override
    public ReplicatedRecord getValue() {
      return record;
    }

    @Override
    public Object getRawValue() {
      return raw;
    }
  }
}
