package io.loadeds.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.ExtendedMapEntry;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.Locality;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The one place where the cluster orders writes and decides expiries ({@link SequencedPut}), run on
 * an in-memory entry: numbers grow per key, also past a tombstone's end; an expiry is written only
 * over a live record whose lease lapsed by the reaper's decision, so a renewal that reached the map
 * first wins and a second reaper decides nothing twice.
 */
class SequencedPutTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final EndpointKey KEY = new EndpointKey("shop", "a");

  /** A map entry as the partition owner holds it. */
  static final class Entry implements ExtendedMapEntry<String, ReplicatedRecord> {
    ReplicatedRecord value;
    long ttlMillis = -1;

    @Override
    public String getKey() {
      return ReplicatedRecord.mapKey(KEY);
    }

    @Override
    public ReplicatedRecord getValue() {
      return value;
    }

    @Override
    public ReplicatedRecord setValue(ReplicatedRecord v) {
      return setValue(v, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    public ReplicatedRecord setValue(ReplicatedRecord v, long ttl, TimeUnit unit) {
      ReplicatedRecord old = value;
      value = v;
      ttlMillis = unit.toMillis(ttl);
      return old;
    }

    @Override
    public ReplicatedRecord setValueWithoutChangingExpiryTime(ReplicatedRecord v) {
      ReplicatedRecord old = value;
      value = v;
      return old;
    }
  }

  static Endpoint endpoint(EndpointState state, Instant leaseExpiresAt, Instant updatedAt) {
    return new Endpoint(
        KEY,
        "10.0.0.1",
        80,
        null,
        0,
        null,
        Locality.NONE,
        Map.of(),
        Endpoint.SOURCE_API,
        Duration.ofSeconds(15),
        leaseExpiresAt,
        state,
        T0,
        updatedAt);
  }

  static long put(Entry entry, Endpoint e, long base) {
    return new SequencedPut(new ReplicatedRecord(e, "me", 0), base, e == null ? 60_000 : 0)
        .process(entry);
  }

  final Entry entry = new Entry();

  @Test
  void numbersGrowPerKeyAndFollowTheWritersClock() {
    Endpoint live = endpoint(EndpointState.ADMITTED, T0.plusSeconds(15), T0);

    assertThat(put(entry, live, 1000)).isEqualTo(1000);
    assertThat(put(entry, live, 10)).as("an older clock still moves on").isEqualTo(1001);
    assertThat(put(entry, null, 2000)).isEqualTo(2000);
    assertThat(entry.value.endpoint).isNull();
    assertThat(entry.ttlMillis).as("a tombstone leaves the map").isEqualTo(60_000);

    entry.value = null; // the tombstone expired; the key's next life starts from the clock
    assertThat(put(entry, live, 3000)).isEqualTo(3000);
    assertThat(entry.ttlMillis).as("a live record stays").isZero();
  }

  @Test
  void anExpiryOfALapsedLeaseIsWrittenOnce() {
    put(entry, endpoint(EndpointState.ADMITTED, T0.plusSeconds(15), T0), 1);
    Endpoint expired = endpoint(EndpointState.EXPIRED, T0.plusSeconds(15), T0.plusSeconds(16));

    assertThat(put(entry, expired, 2)).isEqualTo(2);
    assertThat(entry.value.endpoint.state()).isEqualTo(EndpointState.EXPIRED);
    assertThat(put(entry, expired, 3)).as("a second reaper's decision").isEqualTo(-1);
    assertThat(entry.value.seq).isEqualTo(2);
  }

  @Test
  void aRenewalThatReachedTheMapFirstWinsOverTheExpiry() {
    put(entry, endpoint(EndpointState.ADMITTED, T0.plusSeconds(15), T0), 1);
    // Renewed on another replica at T0+10s: the lease now ends at T0+25s.
    put(entry, endpoint(EndpointState.ADMITTED, T0.plusSeconds(25), T0.plusSeconds(10)), 2);

    // The reaper had not applied the renewal yet and decided at T0+16s.
    long seq =
        put(entry, endpoint(EndpointState.EXPIRED, T0.plusSeconds(15), T0.plusSeconds(16)), 3);

    assertThat(seq).isEqualTo(-1);
    assertThat(entry.value.endpoint.state()).isEqualTo(EndpointState.ADMITTED);
    assertThat(entry.value.endpoint.leaseExpiresAt()).isEqualTo(T0.plusSeconds(25));
  }

  @Test
  void anExpiryDoesNotBringBackARemovedEndpoint() {
    put(entry, endpoint(EndpointState.ADMITTED, T0.plusSeconds(15), T0), 1);
    put(entry, null, 2);

    assertThat(
            put(entry, endpoint(EndpointState.EXPIRED, T0.plusSeconds(15), T0.plusSeconds(16)), 3))
        .isEqualTo(-1);
    assertThat(entry.value.endpoint).isNull();
  }
}
