package io.loadeds.registration;

import io.loadeds.config.AuthConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.LimitsConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real server on a loopback ephemeral port with auth and limits configured, and a JDK client that
 * can send a bearer token. One per test.
 */
final class SecureServer implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  final LoadEdsServer server;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  SecureServer(AuthConfig auth, LimitsConfig limits) {
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
            .withAuth(auth)
            .withLimits(limits);
    try {
      server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException(e);
    }
  }

  /** Sends a request with an optional JSON body and an optional bearer token. */
  ApiServer.Answer send(String method, String path, String body, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    try {
      var response = http.send(request.build(), BodyHandlers.ofString());
      return new ApiServer.Answer(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** PUTs {@code address:8080} as {@code cluster/id} with {@code token} (may be null). */
  ApiServer.Answer put(String cluster, String id, String address, String token) {
    return send(
        "PUT",
        "/v1/clusters/" + cluster + "/endpoints/" + id,
        "{\"address\":\"" + address + "\",\"port\":8080}",
        token);
  }

  ApiServer.Answer get(String path, String token) {
    return send("GET", path, null, token);
  }

  @Override
  public void close() throws Exception {
    server.close().transform(ar -> vertx.close()).await(10, TimeUnit.SECONDS);
  }
}
