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
import io.loadeds.testing.LogCapture;
import io.loadeds.transport.LoadEdsServer;
import io.loadeds.xds.rest.RestPoll;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code auth.allowedNodeIds} over a real server: gRPC streams with grpc-java's raw ADS stub, and
 * Envoy's REST polling with the JDK's HTTP client.
 */
class NodeIdRestrictionTest {
  private final Vertx vertx = Vertx.vertx();
  private LoadEdsServer server;
  private ManagedChannel channel;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private LogCapture log;

  @BeforeEach
  void start() throws Exception {
    log = LogCapture.of(XdsServices.class.getName());
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
    log.close();
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
  void aRefusedNodeThatKeepsReconnectingIsLoggedOnce() {
    for (int i = 0; i < 3; i++) {
      XdsStream s = ads();
      s.send(Responses.first("intruder", ResourceType.ENDPOINT, "a"));
      assertThat(s.awaitStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    assertThat(refusals())
        .singleElement()
        .asString()
        .contains("'intruder'", "xDS stream", "127.0.0.1", "auth.allowedNodeIds");
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

  private HttpResponse<String> poll(String type, String body) throws Exception {
    return http.send(
        RestPoll.request(server.port(), type, HttpRequest.BodyPublishers.ofString(body)),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String eds(String node) {
    JsonObject request =
        new JsonObject()
            .put("typeUrl", ResourceType.ENDPOINT.typeUrl())
            .put("resourceNames", new JsonArray().add("a"));
    if (node != null) {
      request.put("node", new JsonObject().put("id", node));
    }
    return request.encode();
  }

  /** The WARNING lines logged about refused nodes, formatted. */
  private List<String> refusals() {
    return log.messages(Level.WARNING);
  }

  @Test
  void aRestPollFromANodeIdNotAllowedIs403NamingTheNodeAndRevealsNothing() throws Exception {
    HttpResponse<String> r = poll("endpoints", eds("intruder"));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
    JsonObject problem = new JsonObject(r.body());
    assertThat(problem.getString("type")).endsWith("/node-not-allowed");
    assertThat(problem.getInteger("status")).isEqualTo(403);
    assertThat(problem.getString("detail")).contains("'intruder'", "auth.allowedNodeIds");
    assertThat(r.body()).doesNotContain("versionInfo", "127.0.0.1", "ClusterLoadAssignment\"");
  }

  @Test
  void everyRestDiscoveryPathIsRestrictedAndAPollWithoutANodeIsRefused() throws Exception {
    for (String type : List.of("endpoints", "clusters", "listeners", "routes")) {
      assertThat(poll(type, "{\"node\":{\"id\":\"intruder\"}}").statusCode())
          .as(type)
          .isEqualTo(403);
    }
    assertThat(poll("endpoints", eds(null)).statusCode()).isEqualTo(403);
  }

  @Test
  void allowedNodeIdsAndPrefixesArePolledAsUsual() throws Exception {
    HttpResponse<String> exact = poll("endpoints", eds(XdsStream.NODE));
    HttpResponse<String> prefixed = poll("endpoints", eds("edge-eu-1"));

    assertThat(exact.statusCode()).isEqualTo(200);
    assertThat(prefixed.statusCode()).isEqualTo(200);
    assertThat(prefixed.body()).contains("versionInfo", "127.0.0.1");
    assertThat(refusals()).isEmpty();
  }

  @Test
  void aRefusedPollerIsLoggedOncePerNodeIdWithWhoAndWhy() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(poll("endpoints", eds("intruder")).statusCode()).isEqualTo(403);
    }
    assertThat(poll("clusters", eds("intruder-2")).statusCode()).isEqualTo(403);

    List<String> lines = refusals();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .contains("'intruder'", "127.0.0.1", "auth.allowedNodeIds", "/v3/discovery:endpoints");
    assertThat(lines.get(1)).contains("'intruder-2'", "/v3/discovery:clusters");
  }

  @Test
  void aHostileNodeIdIsEscapedAndCutInTheAnswerAndTheLog() throws Exception {
    String forged = "x\n2030-01-01 INFO all is well\r" + "y".repeat(50_000);

    HttpResponse<String> r = poll("endpoints", eds(forged));

    assertThat(r.statusCode()).isEqualTo(403);
    String detail = new JsonObject(r.body()).getString("detail");
    assertThat(detail).hasSizeLessThan(400).contains("x\\n2030").doesNotContain("\n", "\r");
    assertThat(refusals()).singleElement().asString().hasSizeLessThan(600).doesNotContain("\n");
  }
}
