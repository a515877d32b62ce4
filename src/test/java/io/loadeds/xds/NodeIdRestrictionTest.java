package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.loadeds.config.AuthConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Registration;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code auth.allowedNodeIds} over a real server and grpc-java's raw ADS stub. */
class NodeIdRestrictionTest {
  private final Vertx vertx = Vertx.vertx();
  private LoadEdsServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withAuth(AuthConfig.defaults().withAllowedNodeIds(List.of(XdsStream.NODE, "edge-*")));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
    server
        .registry()
        .register(new EndpointKey("a", "a1"), Registration.of("127.0.0.1", 8080).withLoad(10, 0));
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close().transform(ar -> vertx.close()).await(10, TimeUnit.SECONDS);
  }

  private XdsStream ads() {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
  }

  @Test
  void aNodeIdNotAllowedEndsTheStreamWithPermissionDenied() {
    XdsStream s = ads();

    s.send(Responses.first("intruder", ResourceType.ENDPOINT, "a"));

    Status status = s.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("intruder", "auth.allowedNodeIds");
  }

  @Test
  void allowedNodeIdsAndPrefixesAreServed() {
    assertThat(ads().subscribe(ResourceType.ENDPOINT, "a").getResourcesCount()).isEqualTo(1);
    XdsStream edge = ads();
    edge.send(Responses.first("edge-eu-1", ResourceType.ENDPOINT, "a"));
    assertThat(edge.next().getResourcesCount()).isEqualTo(1);
  }

  @Test
  void deltaStreamsAreRestrictedToo() throws Exception {
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<DeltaDiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<DeltaDiscoveryResponse>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse r) {
                    ended.complete(Status.INTERNAL.withDescription("answered " + r));
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(Status.OK);
                  }
                });

    requests.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId("intruder"))
            .setTypeUrl(ResourceType.ENDPOINT.typeUrl())
            .addResourceNamesSubscribe("a")
            .build());

    Status status = ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("intruder");
  }

  @Test
  void aFirstRequestWithoutANodeIsRefused() {
    XdsStream s = ads();

    s.send(
        Responses.first(XdsStream.NODE, ResourceType.ENDPOINT, "a").toBuilder()
            .clearNode()
            .build());

    assertThat(s.awaitStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }
}
