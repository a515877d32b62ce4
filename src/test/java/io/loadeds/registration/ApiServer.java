package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.testing.MutableClock;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real LoadEDS server on a loopback ephemeral port, started through the production wiring with a
 * test clock, plus a small JDK HTTP client for it. One per test; {@link #close} stops everything.
 */
final class ApiServer implements AutoCloseable {
  static final String JSON = "application/json";
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  /** An answer: status, headers and body text. */
  record Answer(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      return parse(body);
    }

    String contentType() {
      return headers.firstValue("content-type").orElse(null);
    }

    /** Asserts a problem+json answer with this status and returns its body. */
    JsonNode problem(int expectedStatus) {
      assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
      assertThat(contentType()).isEqualTo("application/problem+json");
      JsonNode p = json();
      assertThat(p.path("status").asInt()).isEqualTo(expectedStatus);
      assertThat(p.path("type").asText()).isNotEmpty();
      assertThat(p.path("title").asText()).isNotEmpty();
      return p;
    }
  }

  /** Parses JSON text (for comparing answers with bodies). */
  static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  final MutableClock clock = new MutableClock(T0);
  private final Vertx vertx;
  final LoadEdsServer server;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private ApiServer(ServerConfig config) {
    vertx = Vertx.vertx();
    server = await(LoadEdsServer.start(vertx, config, clock));
  }

  static ApiServer start() {
    return start(1);
  }

  /** A server whose port is served by {@code eventLoops} verticles sharing one API instance. */
  static ApiServer start(int eventLoops) {
    return new ApiServer(
        ServerConfig.defaults()
            .withHttp(
                HttpConfig.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withEventLoops(eventLoops)));
  }

  Answer get(String path) {
    return send("GET", path, null, null);
  }

  Answer delete(String path) {
    return send("DELETE", path, null, null);
  }

  /** Sends {@code body} as {@code application/json}. */
  Answer send(String method, String path, String body) {
    return send(method, path, body, JSON);
  }

  /** Sends a request; a null {@code contentType} sends no content-type header. */
  Answer send(String method, String path, String body, String contentType) {
    BodyPublisher publisher =
        body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body);
    return sendBody(method, path, publisher, contentType);
  }

  /** Sends a request with any body publisher (e.g. one of unknown length, sent chunked). */
  Answer sendBody(String method, String path, BodyPublisher body, String contentType) {
    try {
      var response = http.send(request(method, path, body, contentType), BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends a JSON request without waiting; the future holds the status code. */
  CompletableFuture<Integer> sendAsync(String method, String path, String body) {
    return http.sendAsync(
            request(method, path, BodyPublishers.ofString(body), JSON), BodyHandlers.discarding())
        .thenApply(HttpResponse::statusCode);
  }

  private HttpRequest request(String method, String path, BodyPublisher body, String contentType) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body);
    if (contentType != null) {
      request.header("content-type", contentType);
    }
    return request.build();
  }

  /** PUTs a minimal registration and asserts it succeeded. */
  JsonNode register(String cluster, String id, String address, int port) {
    Answer a =
        send(
            "PUT",
            "/v1/clusters/" + cluster + "/endpoints/" + id,
            "{\"address\":\"" + address + "\",\"port\":" + port + "}");
    assertThat(a.status()).as(a.body()).isIn(200, 201);
    return a.json();
  }

  /**
   * Everything the API shows: the cluster list and every cluster's detail, without the EDS versions
   * (they are published asynchronously, so they may move under a test for reasons of their own).
   */
  JsonNode state() {
    ObjectNode out = MAPPER.createObjectNode();
    JsonNode list = get("/v1/clusters").json();
    for (JsonNode c : list.path("clusters")) {
      ((ObjectNode) c).remove("version");
      ObjectNode detail = (ObjectNode) get("/v1/clusters/" + c.path("name").asText()).json();
      detail.remove("version");
      out.set(c.path("name").asText(), detail);
    }
    out.set("list", list);
    return out;
  }

  @Override
  public void close() {
    await(server.close());
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }
}
