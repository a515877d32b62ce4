package io.loadeds.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.xds.XdsNameResolverProvider;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.RegistryConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The product's promise, checked with a real xDS client: grpc-java's proxyless channel resolves the
 * cluster through the server (LDS, RDS, CDS, EDS over ADS) and sends calls only to backends that
 * have room.
 */
class ProxylessEndToEndTest {
  private static final String CLUSTER = "whoami";

  private Vertx vertx;
  private LoadEdsServer server;
  private WhoAmIBackend a;
  private WhoAmIBackend b;
  private ManagedChannel channel;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0))
            .withRegistry(RegistryConfig.defaults().withReaperInterval(Duration.ofMillis(200)));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await();
    a = new WhoAmIBackend("backend-a");
    b = new WhoAmIBackend("backend-b");
    // grpc-java reads its xDS bootstrap once per JVM; a resolver with its own bootstrap under a
    // scheme of its own lets this test point at its own server. It is the same resolver as xds:.
    String scheme = "xds-e2e-" + server.port();
    Map<String, ?> bootstrap =
        Map.of(
            "xds_servers",
            List.of(
                Map.of(
                    "server_uri", "127.0.0.1:" + server.port(),
                    "channel_creds", List.of(Map.of("type", "insecure")),
                    "server_features", List.of("xds_v3"))),
            "node",
            Map.of("id", "e2e-" + server.port(), "cluster", "tests"));
    NameResolverRegistry.getDefaultRegistry()
        .register(XdsNameResolverProvider.createForTest(scheme, bootstrap));
    channel =
        Grpc.newChannelBuilder(scheme + ":///" + CLUSTER, InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    a.close();
    b.close();
    server.close().await();
    vertx.close().await();
  }

  @Test
  void callsGoOnlyToBackendsWithRoom() throws Exception {
    register(a, 2, 60);
    register(b, 2, 60);

    // The first call resolves LDS, RDS, CDS and EDS: give it time.
    assertThat(WhoAmIBackend.call(channel, 30_000)).isIn(a.id, b.id);
    awaitBoth();

    patch(a, "{\"active\":2}");
    awaitOnly(b.id);

    patch(b, "{\"active\":2}");
    StatusRuntimeException failure = awaitFailure();
    assertThat(failure.getStatus().getCode())
        .as("all full: fail fast as UNAVAILABLE, not by deadline")
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failure.getStatus().getDescription()).contains("loadeds_no_capacity");

    patch(a, "{\"active\":1}");
    awaitOnly(a.id);

    // b gets room again on a 2 s lease, then stops renewing it: it must disappear by itself.
    HttpResponse<String> renewed = put(b, 2, 2);
    assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
    awaitBoth();
    awaitOnly(a.id);
    assertThat(get("/v1/clusters/" + CLUSTER + "/endpoints/" + b.id).body()).contains("EXPIRED");
  }

  private void register(WhoAmIBackend backend, int capacity, int ttlSeconds) throws Exception {
    HttpResponse<String> r = put(backend, capacity, ttlSeconds);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private HttpResponse<String> put(WhoAmIBackend backend, int capacity, int ttlSeconds)
      throws Exception {
    String body =
        "{\"address\":\"127.0.0.1\",\"port\":%d,\"capacity\":%d,\"active\":0,\"ttlSeconds\":%d}"
            .formatted(backend.port(), capacity, ttlSeconds);
    return send("PUT", "/v1/clusters/" + CLUSTER + "/endpoints/" + backend.id, body);
  }

  private void patch(WhoAmIBackend backend, String body) throws Exception {
    HttpResponse<String> r =
        send("PATCH", "/v1/clusters/" + CLUSTER + "/endpoints/" + backend.id, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  /** Waits until 20 calls in a row are answered by {@code id} alone. */
  private void awaitOnly(String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int streak = 0;
    while (streak < 20) {
      assertThat(System.nanoTime()).as("only %s should answer", id).isLessThan(deadline);
      String who = tryCall();
      streak = id.equals(who) ? streak + 1 : 0;
      if (who == null) {
        Thread.sleep(50);
      }
    }
  }

  private void awaitBoth() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Set<String> seen = new HashSet<>();
    while (seen.size() < 2) {
      assertThat(System.nanoTime()).as("both should answer, saw %s", seen).isLessThan(deadline);
      String who = tryCall();
      if (who != null) {
        seen.add(who);
      }
    }
  }

  private StatusRuntimeException awaitFailure() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      assertThat(System.nanoTime()).as("calls should start failing").isLessThan(deadline);
      try {
        WhoAmIBackend.call(channel, 5_000);
      } catch (StatusRuntimeException e) {
        return e;
      }
      Thread.sleep(20);
    }
  }

  private String tryCall() {
    try {
      return WhoAmIBackend.call(channel, 5_000);
    } catch (StatusRuntimeException e) {
      return null;
    }
  }
}
