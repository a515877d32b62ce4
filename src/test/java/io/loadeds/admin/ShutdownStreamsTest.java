package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.testing.RecordingCall;
import io.loadeds.transport.LoadEdsServer;
import io.loadeds.xds.TestServer;
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
 * Responses that never end by themselves follow the server's phases and end when shutdown starts,
 * so they do not hold the graceful-shutdown grace open: the {@code /v1/events} feed and the gRPC
 * health service's {@code Watch} (grpc-java's stub). A real server with a long grace, so that
 * waiting for it would be seen, and a long warm-up, so that the test says when it is ready (as the
 * end of the warm-up does).
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
  private ManagedChannel channel;
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
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ofMinutes(5)));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(20, TimeUnit.SECONDS);
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
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

  /** A health Watch of {@code service}: each status it is told, then how it ended. */
  private RecordingCall<HealthCheckRequest, HealthCheckResponse> watch(String service) {
    RecordingCall<HealthCheckRequest, HealthCheckResponse> w = new RecordingCall<>();
    HealthGrpc.newStub(channel)
        .watch(HealthCheckRequest.newBuilder().setService(service).build(), w);
    return w;
  }

  @Test
  void aHealthWatchIsToldEveryChangeAndEndsUnavailableWhenShutdownStarts() throws Exception {
    RecordingCall<HealthCheckRequest, HealthCheckResponse> all = watch("");
    RecordingCall<HealthCheckRequest, HealthCheckResponse> ads =
        watch("envoy.service.discovery.v3.AggregatedDiscoveryService");
    RecordingCall<HealthCheckRequest, HealthCheckResponse> unknown = watch("no.such.Service");

    assertThat(all.next(PROMPTLY).getStatus())
        .as("while warming up")
        .isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(ads.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(unknown.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.SERVICE_UNKNOWN);

    server.readiness().ready(); // what the end of the warm-up does

    assertThat(all.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(ads.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.SERVING);
    long start = System.nanoTime();

    closed = server.close();

    assertThat(all.next(PROMPTLY).getStatus())
        .as("at shutdown")
        .isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(ads.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    for (RecordingCall<HealthCheckRequest, HealthCheckResponse> w : List.of(all, ads, unknown)) {
      Status end = w.awaitStatus(PROMPTLY);
      assertThat(end.getCode()).as(end.toString()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(end.getDescription()).contains("shutting down");
      assertThat(w.received()).as("nothing after the end").isEmpty();
    }
    assertThat(unknown.received()).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("the watches end promptly, not after the %s grace", GRACE)
        .isLessThan(PROMPTLY);
    closed.await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void aHealthWatchSendsNothingWhenNothingChanged() throws Exception {
    RecordingCall<HealthCheckRequest, HealthCheckResponse> w = watch("");
    assertThat(w.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);

    server.readiness().warming(); // no change: still warming
    server.readiness().ready();
    server.readiness().ready();

    assertThat(w.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(w.received().poll(300, TimeUnit.MILLISECONDS)).as("no repeated status").isNull();
  }

  @Test
  void aWatchTheClientCancelledStopsListening() throws Exception {
    int before = server.readiness().listeners();
    RecordingCall<HealthCheckRequest, HealthCheckResponse> w = new RecordingCall<>();
    Context.CancellableContext call = Context.current().withCancellation();
    call.run(() -> HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), w));
    assertThat(w.next(PROMPTLY).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(server.readiness().listeners()).isEqualTo(before + 1);

    call.cancel(null);

    assertThat(w.awaitStatus(PROMPTLY).getCode()).isEqualTo(Status.Code.CANCELLED);
    TestServer.await(
        () -> server.readiness().listeners() == before, "the cancelled watch to stop listening");
  }
}
