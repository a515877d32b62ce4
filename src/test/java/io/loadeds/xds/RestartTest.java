package io.loadeds.xds;

import static io.loadeds.xds.Responses.names;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.delta.DeltaMessages;
import io.loadeds.xds.delta.DeltaXdsStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client reconnects to a restarted server (fresh registry, same registrations) with the versions
 * it got from the old one: in state of the world its last {@code version_info} and nonce, in delta
 * its {@code initial_resource_versions}. Versions are content hashes, so the new server agrees with
 * what the client holds when the content is the same, and never hands out an old version for other
 * content (xDS protocol: "Incremental xDS", reconnect; our rule: versions never repeat for
 * different content, also across a restart).
 */
class RestartTest {
  private static final ResourceType CDS = ResourceType.CLUSTER;
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private final List<TestServer> running = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (TestServer s : running) {
      s.close();
    }
  }

  /** A fresh server with {@code cluster/id} registered on each port, published. */
  private TestServer serverWith(String cluster, int... ports) {
    TestServer server = TestServer.start();
    running.add(server);
    for (int port : ports) {
      server.register(cluster, cluster + port, port);
    }
    server.awaitEndpoints(cluster, ports.length);
    return server;
  }

  /** Stops a server, as a restart does; its clients' streams end. */
  private void stop(TestServer server) throws Exception {
    running.remove(server);
    server.close();
  }

  private static XdsStream sotw(TestServer server) {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
  }

  private static DeltaXdsStream delta(TestServer server) {
    return new DeltaXdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::deltaAggregatedResources);
  }

  /** A type's first request on a new stream, carrying what the client kept from the old one. */
  private static DiscoveryRequest resume(DiscoveryResponse last, String... names) {
    return DiscoveryRequest.newBuilder()
        .setNode(Node.newBuilder().setId(XdsStream.NODE))
        .setTypeUrl(last.getTypeUrl())
        .setVersionInfo(last.getVersionInfo())
        .setResponseNonce(last.getNonce())
        .addAllResourceNames(List.of(names))
        .build();
  }

  // ------------------------------------------------------------------------ state of the world

  @Test
  void sotwTheRestartedServerAnswersWithTheOldVersionsForTheSameContent() throws Exception {
    TestServer first = serverWith("a", 8080);
    XdsStream before = sotw(first);
    DiscoveryResponse cds = before.subscribe(CDS);
    before.ack(cds);
    DiscoveryResponse eds = before.subscribe(EDS, "a");
    before.ack(eds, "a");
    stop(first);
    before.awaitStatus();

    TestServer second = serverWith("a", 8080);
    XdsStream after = sotw(second);
    // The first request of a type is answered even when it names the current version.
    DiscoveryResponse cds2 = after.send(resume(cds)).next();
    DiscoveryResponse eds2 = after.send(resume(eds, "a")).next();

    assertThat(cds2.getVersionInfo()).isEqualTo(cds.getVersionInfo());
    assertThat(names(cds2)).containsExactly("a");
    assertThat(eds2.getVersionInfo()).isEqualTo(eds.getVersionInfo());
    assertThat(eds2.getResourcesList()).isEqualTo(eds.getResourcesList());

    // Then new content gets a version the client never had.
    after.ack(cds2);
    after.ack(eds2, "a");
    second.register("a", "a8081", 8081);
    DiscoveryResponse eds3 = after.next();
    assertThat(eds3.getVersionInfo()).isNotEqualTo(eds.getVersionInfo());
    assertThat(ports(Responses.assignment(eds3))).containsExactlyInAnyOrder(8080, 8081);
  }

  @Test
  void sotwOtherContentOnTheRestartedServerNeverCarriesTheOldVersion() throws Exception {
    TestServer first = serverWith("a", 8080);
    XdsStream before = sotw(first);
    DiscoveryResponse eds = before.subscribe(EDS, "a");
    before.ack(eds, "a");
    stop(first);
    before.awaitStatus();

    TestServer second = serverWith("a", 8081);
    DiscoveryResponse eds2 = sotw(second).send(resume(eds, "a")).next();

    assertThat(eds2.getVersionInfo()).isNotEqualTo(eds.getVersionInfo());
    assertThat(ports(Responses.assignment(eds2))).containsExactly(8081);
  }

  // ------------------------------------------------------------------------ delta

  @Test
  void deltaTheRestartedServerSendsNothingForResourcesTheClientAlreadyHas() throws Exception {
    TestServer first = serverWith("a", 8080);
    DeltaXdsStream before = delta(first);
    DeltaDiscoveryResponse cds = before.send(DeltaMessages.first(CDS)).next();
    before.ack(cds);
    DeltaDiscoveryResponse eds = before.send(DeltaMessages.first(EDS, "a")).next();
    before.ack(eds);
    stop(first);
    before.awaitStatus();

    TestServer second = serverWith("a", 8080);
    DeltaXdsStream after = delta(second);
    // A wildcard subscription is always answered (Envoy waits for it to initialise): empty here.
    DeltaDiscoveryResponse cds2 =
        after.send(DeltaMessages.reconnect(CDS, DeltaMessages.versions(cds))).next();
    assertThat(cds2.getResourcesList()).isEmpty();
    assertThat(cds2.getRemovedResourcesList()).isEmpty();
    after.ack(cds2);
    // An explicit subscription whose version the client holds is not answered at all.
    after.send(DeltaMessages.reconnect(EDS, DeltaMessages.versions(eds), "a"));
    after.assertNothingWithin(Duration.ofMillis(500));

    // Then new content is sent, with a version the client never had.
    second.register("a", "a8081", 8081);
    DeltaDiscoveryResponse eds3 = after.next();
    assertThat(DeltaMessages.names(eds3)).containsExactly("a");
    assertThat(eds3.getResources(0).getVersion()).isNotEqualTo(eds.getResources(0).getVersion());
    assertThat(eds3.getSystemVersionInfo()).isNotEqualTo(eds.getSystemVersionInfo());
    assertThat(ports(DeltaMessages.assignment(eds3, "a"))).containsExactlyInAnyOrder(8080, 8081);
  }

  @Test
  void deltaTheRestartedServerSendsOnlyWhatItHasOtherwise() throws Exception {
    TestServer first = serverWith("a", 8080);
    first.register("b", "b9090", 9090);
    first.awaitEndpoints("b", 1);
    DeltaXdsStream before = delta(first);
    DeltaDiscoveryResponse cds = before.send(DeltaMessages.first(CDS)).next();
    before.ack(cds);
    DeltaDiscoveryResponse eds = before.send(DeltaMessages.first(EDS, "a", "b")).next();
    before.ack(eds);
    Map<String, String> heldEds = DeltaMessages.versions(eds);
    stop(first);
    before.awaitStatus();

    // a is unchanged, b is gone, c is new.
    TestServer second = serverWith("a", 8080);
    second.register("c", "c7070", 7070);
    second.awaitEndpoints("c", 1);
    DeltaXdsStream after = delta(second);

    DeltaDiscoveryResponse cds2 =
        after.send(DeltaMessages.reconnect(CDS, DeltaMessages.versions(cds))).next();
    assertThat(DeltaMessages.names(cds2)).containsExactly("c");
    assertThat(cds2.getRemovedResourcesList()).containsExactly("b");
    after.ack(cds2);

    // Envoy ignores delta removals of assignments: b, still subscribed, is sent empty.
    DeltaDiscoveryResponse eds2 =
        after.send(DeltaMessages.reconnect(EDS, heldEds, "a", "b")).next();
    assertThat(DeltaMessages.names(eds2)).containsExactly("b");
    assertThat(DeltaMessages.assignment(eds2, "b").getEndpointsList()).isEmpty();
    assertThat(eds2.getResources(0).getVersion()).isNotEqualTo(heldEds.get("b"));
    assertThat(eds2.getRemovedResourcesList()).isEmpty();
  }
}
