package io.loadeds.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import io.loadeds.registry.EndpointState;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes one record into the cluster's map and gives it the key's next sequence number, atomically
 * on the key's partition owner, so that concurrent writes of one endpoint on two replicas are
 * ordered once for every replica. The number is {@code max(previous + 1, base)}, with {@code base}
 * the writer's clock in microseconds: numbers keep growing after a tombstone has left the map, so a
 * replica that still remembers an old number does not ignore the key's new life.
 *
 * <p>An expiry is conditional: it is written only if the map still holds a live record whose lease
 * has lapsed by the reaper's decision; a renewal on another replica that reached the map first, or
 * a removal, wins (and a second reaper during a role change decides nothing twice).
 *
 * <p>Deterministic given the previous value, so Hazelcast runs the same processor on backups.
 * Returns the number given, or -1 when the conditional expiry was not written.
 */
public final class SequencedPut
    implements EntryProcessor<String, ReplicatedRecord, Long>, DataSerializable {
  private ReplicatedRecord record;
  private long base;
  private long ttlMillis;

  /** For Hazelcast's deserialization. */
  public SequencedPut() {}

  /**
   * @param ttlMillis how long the map keeps the record (0: for ever); tombstones and expired
   *     records leave after the registry's retention
   */
  SequencedPut(ReplicatedRecord record, long base, long ttlMillis) {
    this.record = record;
    this.base = base;
    this.ttlMillis = ttlMillis;
  }

  @Override
  public Long process(Map.Entry<String, ReplicatedRecord> entry) {
    ReplicatedRecord prev = entry.getValue();
    if (record.endpoint != null && record.endpoint.state() == EndpointState.EXPIRED) {
      boolean lapsedLive =
          prev != null
              && prev.endpoint != null
              && prev.endpoint.state() != EndpointState.EXPIRED
              && prev.endpoint.leaseExpiresAt() != null
              && !prev.endpoint.leaseExpiresAt().isAfter(record.endpoint.updatedAt());
      if (!lapsedLive) {
        return -1L;
      }
    }
    long seq = Math.max(prev == null ? 0 : prev.seq + 1, base);
    ((ExtendedMapEntry<String, ReplicatedRecord>) entry)
        .setValue(record.withSeq(seq), ttlMillis, TimeUnit.MILLISECONDS);
    return seq;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    record.writeData(out);
    out.writeLong(base);
    out.writeLong(ttlMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    record = new ReplicatedRecord();
    record.readData(in);
    base = in.readLong();
    ttlMillis = in.readLong();
  }
}
