package io.loadeds.xds;

import static io.loadeds.xds.Responses.names;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.delta.DeltaMessages;
import io.loadeds.xds.delta.DeltaXdsStream;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ordering on ADS, as the xDS protocol document asks of a management server: "CDS updates (if any)
 * must always be pushed first. EDS updates (if any) must arrive after CDS updates for the
 * respective clusters" (Eventual consistency considerations), and "Management server is expected to
 * provide the EDS/RDS updates during warming" (Resource warming).
 *
 * <p>The client plays Envoy with {@code cds_config: {ads: {}}}: a wildcard CDS subscription, and
 * EDS for every cluster CDS gave it. Envoy holds the ACK of a CDS update until the clusters it
 * added have warmed, i.e. until their EDS has arrived: the server must answer EDS while CDS is
 * un-ACKed, else the new cluster never warms. State of the world and delta.
 */
class AdsOrderingTest {
  private static final ResourceType CDS = ResourceType.CLUSTER;
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

  // ------------------------------------------------------------------------ state of the world

  /** Wildcard CDS and EDS of a, both ACKed: the state of an Envoy that knows cluster a. */
  private SotwClient sotwClientKnowingA() {
    XdsStream s =
        new XdsStream(
            AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
    DiscoveryResponse cds = s.subscribe(CDS);
    assertThat(names(cds)).containsExactly("a");
    s.ack(cds);
    DiscoveryResponse eds = s.subscribe(EDS, "a");
    s.ack(eds, "a");
    return new SotwClient(s, eds);
  }

  /** The stream and the last EDS response the client has seen (it carries the nonce to send). */
  private record SotwClient(XdsStream stream, DiscoveryResponse lastEds) {}

  @Test
  void sotwANewClusterArrivesAsACdsUpdateBeforeAnyEdsNamesIt() {
    SotwClient client = sotwClientKnowingA();
    XdsStream s = client.stream();

    server.register("b", "b1", 9090);
    server.active("a", "a1", 3); // an EDS push of a, racing the new cluster

    DiscoveryResponse r;
    while ((r = s.next()).getTypeUrl().equals(EDS.typeUrl())) {
      assertThat(names(r)).as("EDS before b's Cluster").containsExactly("a");
      s.ack(r, "a");
    }
    assertThat(r.getTypeUrl()).isEqualTo(CDS.typeUrl());
    assertThat(names(r)).containsExactly("a", "b");
  }

  @Test
  void sotwTheEdsRequestOfAClusterJustLearnedOfIsAnsweredWhileCdsAwaitsItsAck() {
    SotwClient client = sotwClientKnowingA();
    XdsStream s = client.stream();
    server.register("b", "b1", 9090);
    DiscoveryResponse cds = s.next();
    assertThat(names(cds)).containsExactly("a", "b");

    // Envoy adds cluster b, which subscribes to its EDS: the full list, with the last EDS nonce.
    // Nothing changes on the server from here on: only this request can cause the answer.
    s.ack(client.lastEds(), "a", "b");

    DiscoveryResponse eds = s.next();
    assertThat(eds.getTypeUrl()).isEqualTo(EDS.typeUrl());
    // Only b: the client holds a's current assignment already.
    assertThat(names(eds)).containsExactly("b");
    assertThat(ports(Responses.assignments(eds).get(0))).containsExactly(9090);
    // b has warmed: Envoy ACKs both, and the exchange is over.
    s.ack(eds, "a", "b");
    s.ack(cds);
    s.assertNothingWithin(Duration.ofMillis(300));
  }

  // ------------------------------------------------------------------------ delta

  /** Wildcard CDS and EDS of a over delta ADS, both ACKed. */
  private DeltaXdsStream deltaClientKnowingA() {
    DeltaXdsStream s =
        new DeltaXdsStream(
            AggregatedDiscoveryServiceGrpc.newStub(server.channel())::deltaAggregatedResources);
    DeltaDiscoveryResponse cds = s.send(DeltaMessages.first(CDS)).next();
    assertThat(DeltaMessages.names(cds)).containsExactly("a");
    s.ack(cds);
    DeltaDiscoveryResponse eds = s.send(DeltaMessages.first(EDS, "a")).next();
    assertThat(DeltaMessages.names(eds)).containsExactly("a");
    s.ack(eds);
    return s;
  }

  @Test
  void deltaANewClusterArrivesAsACdsUpdateBeforeAnyEdsNamesIt() {
    DeltaXdsStream s = deltaClientKnowingA();

    server.register("b", "b1", 9090);
    server.active("a", "a1", 3);

    DeltaDiscoveryResponse r;
    while ((r = s.next()).getTypeUrl().equals(EDS.typeUrl())) {
      assertThat(DeltaMessages.names(r)).as("EDS before b's Cluster").containsExactly("a");
      s.ack(r);
    }
    assertThat(r.getTypeUrl()).isEqualTo(CDS.typeUrl());
    assertThat(DeltaMessages.names(r)).containsExactly("b");
    assertThat(r.getRemovedResourcesList()).isEmpty();
  }

  @Test
  void deltaTheEdsSubscriptionOfAClusterJustLearnedOfIsAnsweredWhileCdsAwaitsItsAck() {
    DeltaXdsStream s = deltaClientKnowingA();
    server.register("b", "b1", 9090);
    DeltaDiscoveryResponse cds = s.next();
    assertThat(DeltaMessages.names(cds)).containsExactly("b");

    // Envoy adds cluster b, which subscribes to its EDS: a spontaneous request, no nonce.
    s.send(DeltaMessages.subscribe(EDS, "b"));

    DeltaDiscoveryResponse eds = s.next();
    assertThat(eds.getTypeUrl()).isEqualTo(EDS.typeUrl());
    assertThat(DeltaMessages.names(eds)).containsExactly("b");
    assertThat(ports(DeltaMessages.assignment(eds, "b"))).containsExactly(9090);
    s.ack(eds);
    s.ack(cds);
    s.assertNothingWithin(Duration.ofMillis(300));
  }
}
