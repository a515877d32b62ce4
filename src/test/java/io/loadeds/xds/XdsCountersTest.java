package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.XdsCounters.TypeCounts;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The counters the production wiring attaches to every xDS stream ("NACK: log it with the node id,
 * count it"), read while a raw grpc-java client plays the protocol against a real server.
 */
class XdsCountersTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start();
    server.register("a", "a1", 8080);
    server.awaitPublished("a");
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private XdsStream ads() {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
  }

  private TypeCounts eds() {
    return server.xdsCounters().snapshot().of(EDS);
  }

  /** Waits (at most 5 s) until the counters satisfy {@code condition}; counting is asynchronous. */
  private XdsCounters.Snapshot await(Predicate<XdsCounters.Snapshot> condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      XdsCounters.Snapshot now = server.xdsCounters().snapshot();
      if (condition.test(now)) {
        return now;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; counters: " + now);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  private void awaitEds(Predicate<TypeCounts> condition, String what) {
    await(c -> condition.test(c.of(EDS)), what);
  }

  @Test
  void aNackIsCountedAndItsContentIsNotResent() {
    XdsStream s = ads();
    DiscoveryResponse r1 = s.subscribe(EDS, "a");
    s.ack(r1, "a");
    server.register("a", "a2", 8081);
    DiscoveryResponse r2 = s.next();
    awaitEds(c -> c.acks() == 1 && c.responses() == 2, "one ACK and two responses");

    s.send(Responses.nack(r2, r1.getVersionInfo(), "rejected by test", "a"));

    awaitEds(c -> c.nacks() == 1, "one NACK");
    s.assertNothingWithin(Duration.ofMillis(500));
    TypeCounts after = eds();
    assertThat(after.responses()).as("the NACKed content is not sent again").isEqualTo(2);
    assertThat(after.acks()).isEqualTo(1);
    assertThat(server.xdsCounters().snapshot().of(ResourceType.CLUSTER).nacks()).isZero();
  }

  @Test
  void anAckIsCounted() {
    XdsStream s = ads();

    s.ack(s.subscribe(EDS, "a"), "a");

    awaitEds(c -> c.acks() == 1, "one ACK");
    assertThat(eds()).isEqualTo(new TypeCounts(1, 1, 0, 0));
  }

  @Test
  void aStaleNonceIsCounted() {
    XdsStream s = ads();
    DiscoveryResponse r1 = s.subscribe(EDS, "a");
    s.ack(r1, "a");
    server.register("a", "a2", 8081);
    s.next();

    s.send(Responses.ack(r1, "a")); // r1's nonce, no longer the latest

    awaitEds(c -> c.staleNonces() == 1, "one stale nonce");
    assertThat(eds().acks()).isEqualTo(1);
  }

  @Test
  void theOpenStreamGaugeFollowsStreamsOfEachMode() {
    assertThat(server.xdsCounters().snapshot().openStreamsTotal()).isZero();
    XdsStream ads1 = ads();
    XdsStream ads2 = ads();
    XdsStream eds =
        new XdsStream(EndpointDiscoveryServiceGrpc.newStub(server.channel())::streamEndpoints);
    // A stream opens on the server when its first message arrives with the headers.
    ads1.subscribe(EDS, "a");
    ads2.subscribe(EDS, "a");
    eds.subscribe(EDS, "a");

    awaitOpen("sotw-ads", 2);
    awaitOpen("sotw-eds", 1);

    ads1.cancel();
    awaitOpen("sotw-ads", 1);
    eds.complete();
    assertThat(eds.awaitStatus().isOk()).isTrue();
    awaitOpen("sotw-eds", 0);
    ads2.cancel();
    awaitOpen("sotw-ads", 0);
    assertThat(server.xdsCounters().snapshot().openStreamsTotal()).isZero();
  }

  private void awaitOpen(String mode, long n) {
    await(c -> c.openStreams(mode) == n, n + " open " + mode + " streams");
  }
}
