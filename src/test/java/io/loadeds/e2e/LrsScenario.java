package io.loadeds.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.StatusRuntimeException;
import io.grpc.xds.XdsNameResolverProvider;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Load from the clients themselves, against a LoadEDS server on 127.0.0.1 started with {@code
 * load.source: lrs} (in this JVM or as a process): a grpc-java proxyless channel with a real xDS
 * bootstrap gets {@code lrs_server: self} on its Cluster and reports its calls in progress over
 * LRS, and the server takes a backend that never reports its own load out of EDS when the client's
 * figure reaches its capacity, and back when it falls. Everything is checked through the server's
 * HTTP API, so the same scenario runs against the jar ({@code LrsIT}). Not thread-safe; close it.
 */
public final class LrsScenario implements AutoCloseable {
  private static final String CLUSTER = "held";
  private static final int CAPACITY = 3;

  private final int port;
  private final HoldingBackend a;
  private final HoldingBackend b;
  private final ManagedChannel channel;
  private final HttpClient http = HttpClient.newHttpClient();

  /**
   * Starts two backends and a proxyless channel to {@code xds:///held} through the server on {@code
   * port}.
   */
  public LrsScenario(int port) throws IOException {
    this.port = port;
    a = new HoldingBackend("backend-a");
    b = new HoldingBackend("backend-b");
    // grpc-java reads its xDS bootstrap once per JVM; a resolver with its own bootstrap under a
    // scheme of its own points this channel at this server. It is the same resolver as xds:.
    String scheme = "xds-lrs-" + port;
    Map<String, ?> bootstrap =
        Map.of(
            "xds_servers",
            List.of(
                Map.of(
                    "server_uri", "127.0.0.1:" + port,
                    "channel_creds", List.of(Map.of("type", "insecure")),
                    "server_features", List.of("xds_v3"))),
            "node",
            Map.of("id", "lrs-" + port, "cluster", "tests"));
    NameResolverRegistry.getDefaultRegistry()
        .register(XdsNameResolverProvider.createForTest(scheme, bootstrap));
    channel =
        Grpc.newChannelBuilder(scheme + ":///" + CLUSTER, InsecureChannelCredentials.create())
            .build();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    a.close();
    b.close();
  }

  /** Runs the scenario; fails with an assertion naming what did not happen. */
  public void run() throws Exception {
    register(a);
    register(b);
    assertThat(WhoAmIBackend.call(channel, 30_000)).isIn(a.id, b.id);
    awaitBoth();

    // Hold calls one by one until one backend holds as many as its capacity.
    int opened = 0;
    while (a.held() < CAPACITY && b.held() < CAPACITY) {
      assertThat(opened).as("one backend reaches its capacity first").isLessThan(2 * CAPACITY);
      HoldingBackend.hold(channel);
      opened++;
      int expected = opened;
      await(() -> a.held() + b.held() == expected, "the call is held by a backend");
    }
    HoldingBackend full = a.held() >= CAPACITY ? a : b;
    HoldingBackend other = full == a ? b : a;

    await(() -> "FULL".equals(view(full).getString("state")), full.id + " FULL by LRS");
    JsonObject fullView = view(full);
    assertThat(fullView.getInteger("active")).as("the backend never reported").isZero();
    awaitOnly(other.id);
    JsonObject debug = lrsDebugOf(full);
    assertThat(debug.getJsonObject("lrs").getLong("inProgress")).isEqualTo((long) CAPACITY);

    full.release();
    await(() -> "ADMITTED".equals(view(full).getString("state")), full.id + " back");
    awaitBoth();
  }

  private void register(HoldingBackend backend) throws Exception {
    String body =
        "{\"address\":\"127.0.0.1\",\"port\":%d,\"capacity\":%d,\"ttlSeconds\":300}"
            .formatted(backend.port(), CAPACITY);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri("/v1/clusters/" + CLUSTER + "/endpoints/" + backend.id))
                .header("content-type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private JsonObject view(HoldingBackend backend) {
    return new JsonObject(get("/v1/clusters/" + CLUSTER + "/endpoints/" + backend.id));
  }

  /** The endpoint's entry in {@code /v1/debug/lrs}. */
  private JsonObject lrsDebugOf(HoldingBackend backend) {
    JsonObject debug = new JsonObject(get("/v1/debug/lrs"));
    for (Object c : debug.getJsonArray("clusters")) {
      for (Object e : ((JsonObject) c).getJsonArray("endpoints")) {
        if (((JsonObject) e).getString("id").equals(backend.id)) {
          return (JsonObject) e;
        }
      }
    }
    throw new AssertionError("no " + backend.id + " in " + debug);
  }

  private String get(String path) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri(path)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return r.body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(50);
    }
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

  private String tryCall() {
    try {
      return WhoAmIBackend.call(channel, 5_000);
    } catch (StatusRuntimeException e) {
      return null;
    }
  }
}
