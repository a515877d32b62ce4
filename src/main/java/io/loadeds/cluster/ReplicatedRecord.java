package io.loadeds.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.Locality;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One endpoint's whole record as the cluster's map holds it, or a tombstone for a removed one, with
 * the sequence number the map assigned to this version of it ({@link SequencedPut}) and who wrote
 * it when (for the replication lag). Instants keep their nanoseconds, so the record a replica wrote
 * comes back equal to the one it holds.
 *
 * <p>Mutable only while it is being read or sequenced; treat a record from the map as immutable.
 */
public final class ReplicatedRecord implements DataSerializable {
  long seq;
  String origin;
  long writtenAtMillis;
  Endpoint endpoint; // null: a tombstone

  /** For Hazelcast's deserialization. */
  public ReplicatedRecord() {}

  ReplicatedRecord(Endpoint endpoint, String origin, long writtenAtMillis) {
    this.endpoint = endpoint;
    this.origin = origin;
    this.writtenAtMillis = writtenAtMillis;
  }

  ReplicatedRecord withSeq(long s) {
    ReplicatedRecord r = new ReplicatedRecord(endpoint, origin, writtenAtMillis);
    r.seq = s;
    return r;
  }

  /** The map key of an endpoint; names cannot hold a slash. */
  static String mapKey(EndpointKey key) {
    return key.cluster() + "/" + key.id();
  }

  static EndpointKey endpointKey(String mapKey) {
    int slash = mapKey.indexOf('/');
    return new EndpointKey(mapKey.substring(0, slash), mapKey.substring(slash + 1));
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(seq);
    out.writeString(origin);
    out.writeLong(writtenAtMillis);
    out.writeBoolean(endpoint != null);
    if (endpoint == null) {
      return;
    }
    Endpoint e = endpoint;
    out.writeString(e.cluster());
    out.writeString(e.id());
    out.writeString(e.address());
    out.writeInt(e.port());
    out.writeInt(e.capacity() == null ? -1 : e.capacity());
    out.writeInt(e.active());
    out.writeInt(e.weight() == null ? -1 : e.weight());
    out.writeString(e.locality().region());
    out.writeString(e.locality().zone());
    out.writeString(e.locality().subZone());
    out.writeInt(e.metadata().size());
    for (Map.Entry<String, String> m : e.metadata().entrySet()) {
      out.writeString(m.getKey());
      out.writeString(m.getValue());
    }
    out.writeString(e.source());
    out.writeBoolean(e.ttl() != null);
    if (e.ttl() != null) {
      out.writeLong(e.ttl().getSeconds());
      out.writeInt(e.ttl().getNano());
    }
    writeInstant(out, e.leaseExpiresAt());
    out.writeString(e.state().name());
    writeInstant(out, e.registeredAt());
    writeInstant(out, e.updatedAt());
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    seq = in.readLong();
    origin = in.readString();
    writtenAtMillis = in.readLong();
    if (!in.readBoolean()) {
      endpoint = null;
      return;
    }
    EndpointKey key = new EndpointKey(in.readString(), in.readString());
    String address = in.readString();
    int port = in.readInt();
    int capacity = in.readInt();
    int active = in.readInt();
    int weight = in.readInt();
    Locality locality = new Locality(in.readString(), in.readString(), in.readString());
    int n = in.readInt();
    Map<String, String> metadata = new HashMap<>();
    for (int i = 0; i < n; i++) {
      metadata.put(in.readString(), in.readString());
    }
    String source = in.readString();
    Duration ttl = in.readBoolean() ? Duration.ofSeconds(in.readLong(), in.readInt()) : null;
    Instant leaseExpiresAt = readInstant(in);
    EndpointState state = EndpointState.valueOf(in.readString());
    Instant registeredAt = readInstant(in);
    Instant updatedAt = readInstant(in);
    endpoint =
        new Endpoint(
            key,
            address,
            port,
            capacity < 0 ? null : capacity,
            active,
            weight < 0 ? null : weight,
            locality,
            metadata,
            source,
            ttl,
            leaseExpiresAt,
            state,
            registeredAt,
            updatedAt);
  }

  private static void writeInstant(ObjectDataOutput out, Instant t) throws IOException {
    out.writeBoolean(t != null);
    if (t != null) {
      out.writeLong(t.getEpochSecond());
      out.writeInt(t.getNano());
    }
  }

  private static Instant readInstant(ObjectDataInput in) throws IOException {
    return in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
  }
}
