package io.loadeds.xds;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.names;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The xDS protocol rules over a real server and grpc-java's raw ADS stub, one test per rule of the
 * xDS protocol document.
 */
class AdsProtocolTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;
  private static final ResourceType CDS = ResourceType.CLUSTER;

  private TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private XdsStream ads() {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
  }

  /** Registers {@code a1} in cluster {@code a} on port 8080 and waits until it is published. */
  private void registerA() {
    server.register("a", "a1", 8080);
    server.awaitPublished("a");
  }

  @Test
  void theFirstRequestIsAnswered() {
    registerA();

    DiscoveryResponse r = ads().subscribe(EDS, "a");

    assertThat(r.getTypeUrl()).isEqualTo(EDS.typeUrl());
    ClusterLoadAssignment cla = assignment(r);
    assertThat(cla.getClusterName()).isEqualTo("a");
    assertThat(ports(cla)).containsExactly(8080);
    assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void anAckIsNotAnswered() {
    registerA();
    XdsStream s = ads();

    s.ack(s.subscribe(EDS, "a"), "a");

    s.assertNothingWithin(Duration.ofMillis(300));
  }

  @Test
  void aChangeIsPushedAfterTheAck() {
    registerA();
    XdsStream s = ads();
    DiscoveryResponse r1 = s.subscribe(EDS, "a");
    s.ack(r1, "a");

    server.register("a", "a2", 8081);

    DiscoveryResponse r2 = s.next();
    assertThat(r2.getVersionInfo()).isNotEqualTo(r1.getVersionInfo());
    assertThat(ports(assignment(r2))).containsExactlyInAnyOrder(8080, 8081);
  }

  @Test
  void aNackedVersionIsNotResentAndTheNextChangeIs() {
    registerA();
    XdsStream s = ads();
    DiscoveryResponse r1 = s.subscribe(EDS, "a");
    s.ack(r1, "a");
    server.register("a", "a2", 8081);
    DiscoveryResponse r2 = s.next();

    s.send(Responses.nack(r2, r1.getVersionInfo(), "rejected by test", "a"));

    s.assertNothingWithin(Duration.ofSeconds(1));
    server.register("a", "a3", 8082);
    DiscoveryResponse r3 = s.next();
    assertThat(r3.getVersionInfo()).isNotIn(r1.getVersionInfo(), r2.getVersionInfo());
    assertThat(ports(assignment(r3))).containsExactlyInAnyOrder(8080, 8081, 8082);
  }

  @Test
  void aRequestWithAStaleNonceIsIgnored() {
    registerA();
    server.register("b", "b1", 9090);
    server.awaitPublished("b");
    XdsStream s = ads();
    DiscoveryResponse r1 = s.subscribe(EDS, "a");
    s.ack(r1, "a");
    server.register("a", "a2", 8081);
    DiscoveryResponse r2 = s.next();

    // Written before the client saw r2, so it carries r1's nonce.
    s.send(Responses.ack(r1, "a", "b"));

    s.assertNothingWithin(Duration.ofMillis(300));
    s.ack(r2, "a", "b");
    assertThat(names(s.next())).containsExactly("b");
  }

  @Test
  void aWiderEdsSubscriptionIsAnsweredWithOnlyTheAssignmentsTheClientLacks() {
    registerA();
    server.register("b", "b1", 9090);
    server.awaitPublished("b");
    XdsStream s = ads();
    DiscoveryResponse r1 = s.subscribe(EDS, "a");
    assertThat(names(r1)).containsExactly("a");

    s.ack(r1, "a", "b");
    DiscoveryResponse r2 = s.next();
    assertThat(names(r2)).containsExactly("b");
    assertThat(ports(assignment(r2))).containsExactly(9090);

    // Narrowed: the client forgets a by itself, so there is nothing to say.
    s.ack(r2, "b");
    s.assertNothingWithin(Duration.ofMillis(300));

    // Named again: the client no longer holds it, so it is sent again.
    s.ack(r2, "a", "b");
    assertThat(names(s.next())).containsExactly("a");
  }

  @Test
  void aCdsSubscriptionChangeIsAnsweredWithExactlyTheNamedClusters() {
    registerA();
    server.register("b", "b1", 9090);
    server.awaitPublished("b");
    XdsStream s = ads();
    DiscoveryResponse r1 = s.subscribe(CDS, "a");
    assertThat(names(r1)).containsExactly("a");

    s.ack(r1, "a", "b");
    DiscoveryResponse r2 = s.next();
    assertThat(names(r2)).containsExactly("a", "b");

    // Every CDS response is the whole state: one without a means a was removed.
    s.ack(r2, "b");
    assertThat(names(s.next())).containsExactly("b");
  }

  @Test
  void anUnknownClusterIsAnsweredWithAnEmptyAssignmentOfThatName() {
    XdsStream s = ads();

    ClusterLoadAssignment cla = assignment(s.subscribe(EDS, "nobody"));

    assertThat(cla.getClusterName()).isEqualTo("nobody");
    assertThat(cla.getEndpointsList()).isEmpty();
  }

  @Test
  void aStreamIsWokenOnlyForTheClustersItWatches() {
    registerA();
    server.register("b", "b1", 9090);
    server.awaitPublished("b");
    XdsStream watchingA = ads();
    XdsStream watchingB = ads();
    watchingA.ack(watchingA.subscribe(EDS, "a"), "a");
    watchingB.ack(watchingB.subscribe(EDS, "b"), "b");

    server.active("a", "a1", 4);

    assertThat(assignment(watchingA.next()).getEndpoints(0).getLbEndpoints(0))
        .extracting(e -> e.getLoadBalancingWeight().getValue())
        .isEqualTo(6);
    watchingB.assertNothingWithin(Duration.ofMillis(500));
  }

  @Test
  void aReconnectingClientNamingItsOldVersionGetsTheCurrentState() {
    registerA();
    XdsStream first = ads();
    DiscoveryResponse old = first.subscribe(EDS, "a");
    first.ack(old, "a");
    first.complete();
    first.awaitStatus();
    server.register("a", "a2", 8081);
    TestServer.await(
        () -> !server.resources().endpointsVersion("a").orElseThrow().equals(oldVersion(old)),
        "the change to be published");

    XdsStream second = ads();
    second.send(
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId(XdsStream.NODE))
            .setTypeUrl(EDS.typeUrl())
            .setVersionInfo(old.getVersionInfo())
            .addResourceNames("a")
            .build());

    DiscoveryResponse current = second.next();
    assertThat(current.getVersionInfo()).isNotEqualTo(old.getVersionInfo());
    assertThat(ports(assignment(current))).containsExactlyInAnyOrder(8080, 8081);
  }

  @Test
  void anUnknownTypeUrlIsIgnoredWithoutEndingTheStream() {
    registerA();
    XdsStream s = ads();

    s.send(
        DiscoveryRequest.newBuilder()
            .setTypeUrl("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret")
            .addResourceNames("cert")
            .build());
    s.assertNothingWithin(Duration.ofMillis(200));

    assertThat(names(s.subscribe(EDS, "a"))).containsExactly("a");
    assertThat(s.isClosed()).isFalse();
  }

  /** The per-resource version of the assignment that {@code r} carried. */
  private static String oldVersion(DiscoveryResponse r) {
    return VersionedResource.of(EDS, "a", assignment(r)).version();
  }
}
