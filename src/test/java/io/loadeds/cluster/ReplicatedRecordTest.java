package io.loadeds.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.Locality;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A record read back from Hazelcast's serialized form is equal to the one written, nanoseconds
 * included: a replica's own write coming back through the map must change nothing there.
 */
class ReplicatedRecordTest {
  final SerializationService serialization = new DefaultSerializationServiceBuilder().build();

  ReplicatedRecord roundTrip(ReplicatedRecord r) {
    Data data = serialization.toData(r);
    return serialization.toObject(data);
  }

  @Test
  void everyFieldSurvivesTheMap() {
    Instant t = Instant.parse("2026-01-01T00:00:00.123456789Z");
    Endpoint e =
        new Endpoint(
            new EndpointKey("shop", "a-1"),
            "2001:db8::7",
            50051,
            3,
            1,
            null,
            new Locality("eu", "eu-1a", ""),
            Map.of("version", "1.4.2", "é", "ü"),
            Endpoint.SOURCE_API,
            Duration.ofMillis(15_250),
            t.plusSeconds(15),
            EndpointState.ADMITTED,
            t.minusSeconds(60),
            t);
    ReplicatedRecord back = roundTrip(new ReplicatedRecord(e, "member-1", 42).withSeq(7));

    assertThat(back.endpoint).isEqualTo(e);
    assertThat(back.seq).isEqualTo(7);
    assertThat(back.origin).isEqualTo("member-1");
    assertThat(back.writtenAtMillis).isEqualTo(42);
  }

  @Test
  void nullsAndTombstonesSurviveTheMap() {
    Endpoint noLease =
        new Endpoint(
            new EndpointKey("shop", "b"),
            "10.0.0.1",
            80,
            null,
            0,
            5,
            Locality.NONE,
            Map.of(),
            "edsservice",
            null,
            null,
            EndpointState.ADMITTED,
            Instant.EPOCH,
            Instant.EPOCH);

    assertThat(roundTrip(new ReplicatedRecord(noLease, "m", 1)).endpoint).isEqualTo(noLease);
    assertThat(roundTrip(new ReplicatedRecord(null, "m", 1).withSeq(3)).endpoint).isNull();
  }
}
