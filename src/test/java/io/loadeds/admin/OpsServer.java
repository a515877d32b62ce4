package io.loadeds.admin;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.testing.MutableClock;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server (production wiring, test clock) on a free loopback port, with a JDK HTTP client and
 * grpc-java channels to it. One per test.
 */
final class OpsServer implements AutoCloseable {
  record Answer(int status, String contentType, String body) {}

  final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  final Vertx vertx = Vertx.vertx();
  final LoadEdsServer server;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final List<ManagedChannel> channels = new ArrayList<>();

  OpsServer() throws Exception {
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(2))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO));
    server = LoadEdsServer.start(vertx, config, clock).await(20, TimeUnit.SECONDS);
  }

  String base() {
    return "http://127.0.0.1:" + server.port();
  }

  Answer get(String path) {
    return send("GET", path, null);
  }

  Answer send(String method, String path, String json) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10));
    if (json == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.method(method, HttpRequest.BodyPublishers.ofString(json))
          .header("content-type", "application/json");
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(
          r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Registers {@code cluster/id} on 10.0.0.{port % 250}:port with a capacity. */
  void register(String cluster, String id, int port, int capacity, int ttlSeconds) {
    String body =
        "{\"address\":\"10.0.0."
            + (port % 250)
            + "\",\"port\":"
            + port
            + ",\"capacity\":"
            + capacity
            + ",\"ttlSeconds\":"
            + ttlSeconds
            + ",\"locality\":{\"region\":\"eu\",\"zone\":\"eu-1a\"}}";
    Answer a = send("PUT", "/v1/clusters/" + cluster + "/endpoints/" + id, body);
    if (a.status() != 201 && a.status() != 200) {
      throw new AssertionError("PUT answered " + a);
    }
  }

  void active(String cluster, String id, int active) {
    Answer a =
        send(
            "PATCH", "/v1/clusters/" + cluster + "/endpoints/" + id, "{\"active\":" + active + "}");
    if (a.status() != 200) {
      throw new AssertionError("PATCH answered " + a);
    }
  }

  ManagedChannel channel() {
    ManagedChannel ch =
        ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  @Override
  public void close() throws Exception {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.close().compose(v -> vertx.close()).await(10, TimeUnit.SECONDS);
  }
}
