package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.Registry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failure no handler answered (a bug, never client input) still gets a problem+json 500. The
 * fault is injected with an extra route, so this runs the API on a router of its own.
 */
class ErrorPagesTest {
  Vertx vertx;
  HttpServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    new RegistrationApi(
            new Registry(RegistryConfig.defaults(), Clock.systemUTC()), c -> Optional.empty(), 1024)
        .mount(router);
    router
        .get("/v1/boom")
        .handler(
            ctx -> {
              throw new IllegalStateException("injected fault");
            });
    server = join(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() throws Exception {
    join(vertx.close());
  }

  @Test
  void anUnhandledFailureIsAProblemJson500() throws Exception {
    HttpResponse<String> r = get("/v1/boom");

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
    JsonNode p = ApiServer.parse(r.body());
    assertThat(p.path("status").asInt()).isEqualTo(500);
    assertThat(p.path("instance").asText()).isEqualTo("/v1/boom");
    assertThat(p.path("detail").asText()).doesNotContain("injected"); // no internals leak
  }

  @Test
  void theConfiguredBodyLimitApplies() throws Exception {
    String body = "{\"address\":\"10.0.0.1\",\"port\":80,\"pad\":\"" + "x".repeat(1024) + "\"}";
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(uri("/v1/clusters/c/endpoints/e"))
                    .header("content-type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(ApiServer.parse(r.body()).path("detail").asText()).contains("1024 bytes");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(uri(path)).build(), BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.actualPort() + path);
  }

  private static <T> T join(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get();
  }
}
