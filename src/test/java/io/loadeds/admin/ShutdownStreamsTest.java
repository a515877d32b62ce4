package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Responses that never end by themselves end when shutdown starts, so they do not hold the
 * graceful-shutdown grace open: the {@code /v1/events} feed. A real server with a long grace, so
 * that waiting for it would be seen.
 */
class ShutdownStreamsTest {
  private static final Duration GRACE = Duration.ofSeconds(20);
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private LoadEdsServer server;
  private Future<Void> closed;

  @BeforeEach
  void start() throws Exception {
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(
                HttpConfig.defaults()
                    .withHost("127.0.0.1")
                    .withPort(0)
                    .withEventLoops(2)
                    .withShutdownGrace(GRACE))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    (closed == null ? server.close() : closed)
        .transform(ar -> vertx.close())
        .await(GRACE.plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
  }

  private BufferedReader events() throws Exception {
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/events"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    return new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
  }

  /** Reads lines until the stream ends (on another thread, so a stream that never ends is seen). */
  private static CompletableFuture<List<String>> untilTheEnd(BufferedReader in) {
    return CompletableFuture.supplyAsync(
        () -> {
          List<String> lines = new ArrayList<>();
          try (in) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
              lines.add(line);
            }
          } catch (java.io.IOException e) {
            lines.add("failed: " + e);
          }
          return lines;
        });
  }

  @Test
  void anOpenEventStreamEndsWhenShutdownStartsInsteadOfHoldingTheGrace() throws Exception {
    BufferedReader in = events();
    assertThat(in.readLine()).isEqualTo("retry: 2000");
    CompletableFuture<List<String>> rest = untilTheEnd(in);
    long start = System.nanoTime();

    closed = server.close();

    List<String> lines = rest.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(lines).as("the stream says why it ends").contains("event: shutdown");
    assertThat(lines).noneMatch(l -> l.startsWith("failed:"));
    closed.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("the server closed without waiting out the %s grace", GRACE)
        .isLessThan(PROMPTLY);
  }

  @Test
  void anEventStreamOpenedWhenShutdownHasStartedEndsAtOnce() throws Exception {
    server.readiness().closing(); // shutdown has begun, the port not yet closed

    List<String> lines = untilTheEnd(events()).get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(lines).contains("event: snapshot", "event: shutdown");
  }
}
