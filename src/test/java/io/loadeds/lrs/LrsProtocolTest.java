package io.loadeds.lrs;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.config.AuthConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.LoadConfig;
import io.loadeds.config.LoadSource;
import io.loadeds.config.ServerConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.Registration;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The LRS protocol over a real server with grpc-java's raw stub: what the server asks for (the
 * interval, send_all_clusters or the cluster list), what a report does, and who may report.
 */
class LrsProtocolTest {
  private static final Duration INTERVAL = Duration.ofMillis(300);
  private final Vertx vertx = Vertx.vertx();
  private LoadEdsServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withAuth(AuthConfig.defaults().withAllowedNodeIds(List.of("lrs-*")))
            .withLoad(LoadConfig.defaults().withSource(LoadSource.LRS).withLrsInterval(INTERVAL));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
    server
        .registry()
        .register(new EndpointKey("a", "a1"), Registration.of("127.0.0.1", 8081).withLoad(2, 0));
    server
        .registry()
        .register(new EndpointKey("b", "b1"), Registration.of("127.0.0.1", 8082).withLoad(2, 0));
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

  private static LoadStatsRequest first(String node, boolean sendAll) {
    return LoadStatsRequest.newBuilder().setNode(LrsStub.node(node, sendAll)).build();
  }

  private static LoadStatsRequest inProgress(String cluster, String subZone, long n) {
    return LoadStatsRequest.newBuilder()
        .addClusterStats(
            ClusterStats.newBuilder()
                .setClusterName(cluster)
                .addUpstreamLocalityStats(
                    UpstreamLocalityStats.newBuilder()
                        .setLocality(Locality.newBuilder().setSubZone(subZone))
                        .setTotalRequestsInProgress(n)
                        .setTotalIssuedRequests(n)))
        .build();
  }

  @Test
  void aClientThatCanSendAllClustersIsAskedForAllAtTheConfiguredInterval() {
    LrsStub lrs = new LrsStub(channel);

    LoadStatsResponse r = lrs.send(first("lrs-grpc", true)).next();

    assertThat(r.getSendAllClusters()).isTrue();
    assertThat(r.getClustersList()).isEmpty();
    assertThat(r.getLoadReportingInterval().getNanos()).isEqualTo(300_000_000);
    assertThat(r.getLoadReportingInterval().getSeconds()).isZero();
    assertThat(r.getReportEndpointGranularity()).isTrue();

    server
        .registry()
        .register(new EndpointKey("c", "c1"), Registration.of("127.0.0.1", 8083).withLoad(2, 0));
    lrs.send(inProgress("a", "a1", 0));
    lrs.assertNothingWithin(Duration.ofMillis(300));
  }

  @Test
  void anotherClientIsAskedForThePublishedClustersByNameAndAgainWhenTheyChange() {
    LrsStub lrs = new LrsStub(channel);

    LoadStatsResponse r = lrs.send(first("lrs-envoy", false)).next();

    assertThat(r.getSendAllClusters()).isFalse();
    assertThat(r.getClustersList()).containsExactly("a", "b");
    assertThat(r.getLoadReportingInterval().getNanos()).isEqualTo(300_000_000);

    lrs.send(inProgress("a", "a1", 0));
    lrs.assertNothingWithin(Duration.ofMillis(300));

    server
        .registry()
        .register(new EndpointKey("c", "c1"), Registration.of("127.0.0.1", 8083).withLoad(2, 0));
    lrs.send(inProgress("a", "a1", 0));
    assertThat(lrs.next().getClustersList()).containsExactly("a", "b", "c");
  }

  @Test
  void reportedInProgressGatesTheEndpointUntilTheStreamEnds() throws Exception {
    LrsStub lrs = new LrsStub(channel);
    lrs.send(first("lrs-grpc", true)).next();

    lrs.send(inProgress("a", "a1", 2));
    await(() -> state("a", "a1") == EndpointState.FULL);

    JsonObject debug = debug();
    JsonObject a1 =
        debug.getJsonArray("clusters").getJsonObject(0).getJsonArray("endpoints").getJsonObject(0);
    assertThat(debug.getString("loadSource")).isEqualTo("lrs");
    assertThat(a1.getJsonObject("lrs").getLong("inProgress")).isEqualTo(2);
    assertThat(a1.getJsonObject("backend").getInteger("active")).isZero();
    assertThat(a1.getInteger("load")).isEqualTo(2);
    assertThat(debug.getJsonArray("clients").getJsonObject(0).getString("node"))
        .isEqualTo("lrs-grpc");
    // The per-endpoint meters are refreshed every interval; report again so the client is fresh.
    lrs.send(inProgress("a", "a1", 2));
    Thread.sleep(INTERVAL.toMillis() + 100);
    assertThat(metrics())
        .contains("loadeds_endpoint_load{cluster=\"a\",endpoint=\"a1\",source=\"lrs\"} 2.0")
        .contains("loadeds_endpoint_load{cluster=\"a\",endpoint=\"a1\",source=\"used\"} 2.0")
        .contains("loadeds_endpoint_load{cluster=\"a\",endpoint=\"a1\",source=\"backend\"} 0.0");

    lrs.cancel();
    await(() -> state("a", "a1") == EndpointState.ADMITTED);
  }

  @Test
  void aClientThatFallsSilentStopsCountingAfterTwoIntervals() {
    LrsStub lrs = new LrsStub(channel);
    lrs.send(first("lrs-grpc", true)).next();
    lrs.send(inProgress("a", "a1", 2));
    await(() -> state("a", "a1") == EndpointState.FULL);

    // No more reports, the stream stays open.
    await(() -> state("a", "a1") == EndpointState.ADMITTED);
    assertThat(server.lrs().aggregator().staleClients()).isEqualTo(1);
  }

  @Test
  void unknownClustersAndEndpointsAreCountedNotApplied() throws Exception {
    LrsStub lrs = new LrsStub(channel);
    lrs.send(first("lrs-grpc", true)).next();

    lrs.send(inProgress("nobody", "a1", 5));
    lrs.send(inProgress("a", "somewhere-else", 5));
    await(() -> server.lrs().aggregator().unknownEndpoints() == 1);

    assertThat(server.lrs().aggregator().unknownClusters()).isEqualTo(1);
    assertThat(state("a", "a1")).isEqualTo(EndpointState.ADMITTED);
    assertThat(server.registry().cluster("nobody")).isEmpty();
    assertThat(metrics()).contains("loadeds_lrs_ignored_total{reason=\"unknown_cluster\"} 1.0");
  }

  @Test
  void aNodeIdNotAllowedForXdsMayNotReportEither() {
    LrsStub lrs = new LrsStub(channel);

    lrs.send(first("intruder", true));

    Status status = lrs.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("intruder");
  }

  private EndpointState state(String cluster, String id) {
    return server.registry().endpoint(new EndpointKey(cluster, id)).orElseThrow().state();
  }

  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private JsonObject debug() throws Exception {
    return new JsonObject(get("/v1/debug/lrs"));
  }

  private String metrics() throws Exception {
    return get("/metrics");
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }
}
