package io.loadeds.xds.delta;

import static io.loadeds.xds.Responses.ports;
import static io.loadeds.xds.delta.DeltaMessages.assignment;
import static io.loadeds.xds.delta.DeltaMessages.names;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.cluster.v3.ClusterDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.listener.v3.ListenerDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.route.v3.RouteDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Delta xDS end to end: grpc-java's raw stubs against the delta services on a real server (Vert.x
 * gRPC, registry, snapshot cache) on a free port.
 */
class DeltaGrpcTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private final DeltaTestServer server = new DeltaTestServer();

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private DeltaXdsStream ads() {
    return new DeltaXdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(server.channel())::deltaAggregatedResources);
  }

  private void registerAndPublish(String cluster, String id, int port) {
    server.register(cluster, id, port);
    TestServer.await(
        () -> server.resources().get(EDS, cluster).isPresent(), cluster + " to be published");
  }

  @Test
  void aDeltaAdsSessionFromSubscriptionToReconnect() {
    registerAndPublish("a", "a1", 8080);
    registerAndPublish("b", "b1", 9090);
    DeltaXdsStream s = ads();

    // Subscribe and receive.
    DeltaDiscoveryResponse r1 = s.send(DeltaMessages.first(EDS, "a")).next();
    assertThat(names(r1)).containsExactly("a");
    assertThat(ports(assignment(r1, "a"))).containsExactly(8080);
    s.ack(r1);

    // An admission change is pushed as a diff of just that resource.
    server.active("a", "a1", 10);
    DeltaDiscoveryResponse r2 = s.next();
    assertThat(names(r2)).containsExactly("a");
    assertThat(assignment(r2, "a").getPolicy().getDropOverloadsCount()).isPositive();
    s.ack(r2);

    // A subscription added mid-stream is answered with that resource alone.
    DeltaDiscoveryResponse r3 = s.send(DeltaMessages.subscribe(EDS, "b")).next();
    assertThat(names(r3)).containsExactly("b");
    s.ack(r3);

    // An unsubscription is not answered, and the resource's changes no longer are either. The
    // answer to a later subscription shows the server has handled the unsubscription.
    s.send(DeltaMessages.unsubscribe(EDS, "a"));
    DeltaDiscoveryResponse r4 = s.send(DeltaMessages.subscribe(EDS, "nobody")).next();
    assertThat(names(r4)).containsExactly("nobody");
    s.ack(r4);
    server.active("a", "a1", 0);
    s.assertNothingWithin(Duration.ofMillis(300));
    assertThat(s.complete().getCode()).isEqualTo(Status.Code.OK);

    // Reconnect with what the client held: a has changed since, b has not.
    Map<String, String> held =
        Map.of(
            "a", r2.getResources(0).getVersion(),
            "b", r3.getResources(0).getVersion());
    DeltaXdsStream again = ads();
    DeltaDiscoveryResponse r5 = again.send(DeltaMessages.reconnect(EDS, held, "a", "b")).next();
    assertThat(names(r5)).containsExactly("a");
    assertThat(assignment(r5, "a").getPolicy().getDropOverloadsCount()).isZero();
    again.ack(r5);
    again.assertNothingWithin(Duration.ofMillis(300));
  }

  @Test
  void aClusterThatDisappearsIsSentAsAnEmptyAssignmentOnTheDeltaEndpointsService() {
    registerAndPublish("a", "a1", 8080);
    DeltaXdsStream s =
        new DeltaXdsStream(EndpointDiscoveryServiceGrpc.newStub(server.channel())::deltaEndpoints);
    s.ack(s.send(DeltaMessages.first(EDS, "a")).next());

    server.registry().deregister(new EndpointKey("a", "a1"));

    // Envoy ignores delta removals of assignments and would keep the last hosts.
    DeltaDiscoveryResponse r = s.next();
    assertThat(assignment(r, "a").getEndpointsList()).isEmpty();
    assertThat(r.getRemovedResourcesList()).isEmpty();
  }

  @Test
  void anUnknownClusterIsAnsweredWithAnEmptyAssignment() {
    DeltaDiscoveryResponse r = ads().send(DeltaMessages.first(EDS, "nobody")).next();

    ClusterLoadAssignment cla = assignment(r, "nobody");
    assertThat(cla.getEndpointsList()).isEmpty();
  }

  @Test
  void aWildcardOnDeltaClustersReceivesNewClusters() {
    registerAndPublish("a", "a1", 8080);
    DeltaXdsStream s =
        new DeltaXdsStream(ClusterDiscoveryServiceGrpc.newStub(server.channel())::deltaClusters);
    DeltaDiscoveryResponse r1 = s.send(DeltaMessages.first(ResourceType.CLUSTER)).next();
    assertThat(names(r1)).containsExactly("a");
    s.ack(r1);

    registerAndPublish("c", "c1", 8282);

    assertThat(names(s.next())).containsExactly("c");
  }

  /** Each per-type delta service serves its type. */
  @ParameterizedTest
  @EnumSource(ResourceType.class)
  void everyPerTypeDeltaServiceServesItsType(ResourceType type) {
    registerAndPublish("a", "a1", 8080);
    ManagedChannel ch = server.channel();
    Function<StreamObserver<DeltaDiscoveryResponse>, StreamObserver<DeltaDiscoveryRequest>> open =
        switch (type) {
          case ENDPOINT -> EndpointDiscoveryServiceGrpc.newStub(ch)::deltaEndpoints;
          case CLUSTER -> ClusterDiscoveryServiceGrpc.newStub(ch)::deltaClusters;
          case LISTENER -> ListenerDiscoveryServiceGrpc.newStub(ch)::deltaListeners;
          case ROUTE -> RouteDiscoveryServiceGrpc.newStub(ch)::deltaRoutes;
        };

    DeltaDiscoveryResponse r = new DeltaXdsStream(open).send(DeltaMessages.first(type, "a")).next();

    assertThat(r.getTypeUrl()).isEqualTo(type.typeUrl());
    assertThat(names(r)).containsExactly("a");
  }

  /**
   * Incremental requests add names up: without a bound, one stream could pin any amount of the heap
   * with long names, a request at a time. They may add up to what one request may carry.
   */
  @Test
  void namesAddingUpToMoreThanOneRequestMayCarryEndTheStreamWithInvalidArgument() throws Exception {
    try (TestServer small =
        TestServer.start(
            1, XdsConfig.defaults().withWarmUp(Duration.ZERO).withMaxMessageBytes(4096))) {
      DeltaXdsStream s =
          new DeltaXdsStream(
              AggregatedDiscoveryServiceGrpc.newStub(small.channel())::deltaAggregatedResources);
      s.ack(s.send(DeltaMessages.first(EDS, "a".repeat(3000))).next());

      s.send(DeltaMessages.subscribe(EDS, "b".repeat(3000)));

      Status status = s.awaitStatus();
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains("6000 characters", "xds.maxMessageBytes");
    }
  }

  @Test
  void aPerTypeServiceEndsAStreamAskingForAnotherTypeWithInvalidArgument() {
    DeltaXdsStream s =
        new DeltaXdsStream(EndpointDiscoveryServiceGrpc.newStub(server.channel())::deltaEndpoints);

    s.send(DeltaMessages.first(ResourceType.CLUSTER));

    Status status = s.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains(ResourceType.CLUSTER.typeUrl());
  }
}
