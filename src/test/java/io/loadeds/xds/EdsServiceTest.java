package io.loadeds.xds;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.grpc.Status;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-type {@code EndpointDiscoveryService}, and a server that spreads streams over loops. */
class EdsServiceTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private XdsStream eds() {
    return new XdsStream(EndpointDiscoveryServiceGrpc.newStub(server.channel())::streamEndpoints);
  }

  @Test
  void streamEndpointsAnswersAcksAndPushes() {
    server = TestServer.start();
    server.register("a", "a1", 8080);
    server.awaitPublished("a");
    XdsStream s = eds();

    DiscoveryResponse r1 = s.subscribe(EDS, "a");
    assertThat(r1.getTypeUrl()).isEqualTo(EDS.typeUrl());
    assertThat(ports(assignment(r1))).containsExactly(8080);
    s.ack(r1, "a");
    s.assertNothingWithin(Duration.ofMillis(200));

    server.register("a", "a2", 8081);
    assertThat(ports(assignment(s.next()))).containsExactlyInAnyOrder(8080, 8081);
  }

  @Test
  void streamEndpointsAnswersAnUnknownClusterWithAnEmptyAssignment() {
    server = TestServer.start();

    assertThat(assignment(eds().subscribe(EDS, "nobody")).getClusterName()).isEqualTo("nobody");
  }

  @Test
  void streamEndpointsFailsAForeignTypeUrlWithInvalidArgument() {
    server = TestServer.start();
    XdsStream s = eds();

    s.send(Responses.first(XdsStream.NODE, ResourceType.CLUSTER));

    Status status = s.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains(ResourceType.CLUSTER.typeUrl());
    TestServer.await(
        () -> server.resources().watchCount(ResourceType.CLUSTER) == 0, "no watch left");
  }

  @Test
  void withTwoEventLoopsEveryConnectionIsServedAndPushedTo() {
    server =
        TestServer.start(
            2,
            XdsConfig.defaults().withWeightCoalesceWindow(Duration.ZERO).withWarmUp(Duration.ZERO));
    server.register("a", "a1", 8080);
    server.register("b", "b1", 9090);
    server.awaitPublished("a");
    server.awaitPublished("b");
    // Each stream on its own connection, so they land on both event loops.
    List<XdsStream> onA = new ArrayList<>();
    List<XdsStream> onB = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      XdsStream a = eds();
      a.ack(a.subscribe(EDS, "a"), "a");
      onA.add(a);
      XdsStream b = eds();
      b.ack(b.subscribe(EDS, "b"), "b");
      onB.add(b);
    }

    server.register("a", "a2", 8081);

    for (XdsStream a : onA) {
      assertThat(ports(assignment(a.next()))).containsExactlyInAnyOrder(8080, 8081);
    }
    onB.get(0).assertNothingWithin(Duration.ofMillis(300));
    for (XdsStream b : onB) {
      b.assertNothingWithin(Duration.ZERO);
    }
    assertThat(server.resources().watchCount(EDS)).isEqualTo(8);
  }
}
