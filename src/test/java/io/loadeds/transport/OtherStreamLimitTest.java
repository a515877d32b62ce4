package io.loadeds.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.loadeds.config.ExtProcConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.LimitsConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.testing.RecordingCall;
import io.loadeds.xds.TestServer;
import io.loadeds.xds.XdsStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code limits.maxOtherStreams}: health watches and ext_proc streams together, on every
 * connection, stop at the limit with RESOURCE_EXHAUSTED naming it; health checks have a pool of
 * their own, so a probe is answered while watches fill theirs; xDS streams are not held back by
 * them; a stream gives its place back however it ends (cancelled, ended by the server, its
 * connection closed); refusals are logged at most once a second. Two event loops: connections land
 * on both, so a count kept per loop would let four through.
 */
class OtherStreamLimitTest {
  private static final String LIMIT = "limits.maxOtherStreams 2";

  private TestServer server;

  @BeforeEach
  void start() {
    server =
        TestServer.start(
            ServerConfig.defaults()
                .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(2))
                .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
                .withLimits(LimitsConfig.defaults().withMaxOtherStreams(2))
                .withExtProc(ExtProcConfig.defaults().withProcessors(List.of("request-id"))));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private static RecordingCall<HealthCheckRequest, HealthCheckResponse> watch(
      ManagedChannel channel) {
    RecordingCall<HealthCheckRequest, HealthCheckResponse> call = new RecordingCall<>();
    HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), call);
    return call;
  }

  /** A watch that is served: its first message says SERVING. */
  private static RecordingCall<HealthCheckRequest, HealthCheckResponse> servedWatch(
      ManagedChannel channel) {
    RecordingCall<HealthCheckRequest, HealthCheckResponse> call = watch(channel);
    assertThat(call.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    return call;
  }

  private static RecordingCall<ProcessingRequest, ProcessingResponse> exchange(
      ManagedChannel channel) {
    RecordingCall<ProcessingRequest, ProcessingResponse> call = new RecordingCall<>();
    ExternalProcessorGrpc.newStub(channel).process(call);
    call.requests()
        .onNext(
            ProcessingRequest.newBuilder()
                .setRequestHeaders(
                    HttpHeaders.newBuilder()
                        .setHeaders(
                            HeaderMap.newBuilder()
                                .addHeaders(
                                    HeaderValue.newBuilder().setKey(":path").setValue("/"))))
                .build());
    return call;
  }

  private static void assertRefused(RecordingCall<?, ?> call) throws Exception {
    Status status = call.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains(LIMIT);
    assertThat(call.received()).isEmpty();
  }

  private static HealthCheckResponse.ServingStatus check(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /**
   * Opens calls with {@code open} until one is served (its first message arrives), for up to 10 s:
   * a place that was given back is free again. The served call keeps the place.
   */
  private static <Q, R> RecordingCall<Q, R> awaitServed(Callable<RecordingCall<Q, R>> open)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      RecordingCall<Q, R> call = open.call();
      R first = null;
      while (first == null && !call.ended() && System.nanoTime() < deadline) {
        first = call.received().poll(20, TimeUnit.MILLISECONDS);
      }
      if (first != null) {
        return call;
      }
      call.requests().cancel("refused or too slow", null);
      Thread.sleep(20);
    }
    throw new AssertionError("no place was given back within 10 s");
  }

  /** A health check held open: its request is never sent, so it waits for it. */
  private static ClientCall<HealthCheckRequest, HealthCheckResponse> heldCheck(
      ManagedChannel channel) {
    ClientCall<HealthCheckRequest, HealthCheckResponse> call =
        channel.newCall(HealthGrpc.getCheckMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    return call;
  }

  @Test
  void healthAndExtProcStreamsShareTheLimitAcrossConnections() throws Exception {
    servedWatch(server.channel());
    RecordingCall<ProcessingRequest, ProcessingResponse> served = exchange(server.channel());
    assertThat(served.next().hasRequestHeaders()).isTrue();

    // Full: a third stream of either service, on any connection, is refused at once.
    assertRefused(watch(server.channel()));
    assertRefused(exchange(server.channel()));
    // A probe is still answered: checks are counted apart.
    assertThat(check(server.channel())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // xDS streams have limits of their own and are served while these are full.
    server.register("a", "a1", 8080);
    server.awaitPublished("a");
    XdsStream ads =
        new XdsStream(
            AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
    assertThat(ads.subscribe(ResourceType.ENDPOINT, "a").getResourcesCount()).isEqualTo(1);
  }

  @Test
  void aStreamGivesItsPlaceBackHoweverItEnds() throws Exception {
    ManagedChannel channel = server.channel();
    // Cancelled by the client (an HTTP/2 reset).
    RecordingCall<HealthCheckRequest, HealthCheckResponse> cancelled = servedWatch(channel);
    RecordingCall<HealthCheckRequest, HealthCheckResponse> held = servedWatch(channel);
    assertRefused(watch(channel));
    cancelled.requests().cancel("done watching", null);
    RecordingCall<HealthCheckRequest, HealthCheckResponse> next = awaitServed(() -> watch(channel));
    assertRefused(watch(channel));

    // Ended in the ordinary way: the exchange half-closes and the server ends it with OK.
    next.requests().cancel("done watching", null);
    RecordingCall<ProcessingRequest, ProcessingResponse> ex = awaitServed(() -> exchange(channel));
    assertRefused(watch(channel));
    ex.requests().onCompleted();
    assertThat(ex.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    next = awaitServed(() -> watch(channel));
    assertRefused(watch(channel));

    // Its connection closed: every place the connection held comes back.
    ManagedChannel other = server.channel();
    held.requests().cancel("done watching", null);
    awaitServed(() -> watch(other));
    assertRefused(watch(channel));
    other.shutdownNow();
    awaitServed(() -> watch(channel));

    // Nothing leaked on the way: with every stream gone, exactly two places again.
    channel.shutdownNow();
    TestServer.await(
        () -> {
          try {
            return watchesServed(server.channel(), 2);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        },
        "exactly two watches served at once");
  }

  @Test
  void refusalsAreLoggedAtMostOnceASecond() throws Exception {
    java.util.logging.Logger log =
        java.util.logging.Logger.getLogger(OtherStreamLimit.class.getName());
    List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler capture =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    log.addHandler(capture);
    try {
      ManagedChannel channel = server.channel();
      servedWatch(channel);
      servedWatch(channel);
      long start = System.nanoTime();
      for (int i = 0; i < 30; i++) {
        assertRefused(watch(channel));
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      // One line per started second at most, where one per refusal would be 30.
      assertThat(records).hasSizeBetween(1, (int) seconds + 1);
    } finally {
      log.removeHandler(capture);
    }
  }

  @Test
  void healthChecksHaveAPoolOfTheirOwn() throws Exception {
    ManagedChannel channel = server.channel();
    servedWatch(channel);
    servedWatch(channel);
    assertRefused(watch(channel));
    assertThat(check(channel)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // Checks held open fill their own pool (of the same size), and only that.
    ClientCall<HealthCheckRequest, HealthCheckResponse> first = heldCheck(channel);
    heldCheck(channel);
    assertThatThrownBy(() -> check(channel))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .contains(LIMIT + " calls of /grpc.health.v1.Health/Check");
            });
    first.cancel("probe given up", null);
    TestServer.await(
        () -> {
          try {
            return check(channel) == HealthCheckResponse.ServingStatus.SERVING;
          } catch (StatusRuntimeException e) {
            return false;
          }
        },
        "a health check served again");
    assertRefused(watch(channel)); // the watches' pool is still full
  }

  /**
   * Opens {@code n} watches on {@code channel}, a new connection: true when all were served and the
   * next is refused, false (and the connection closed) when one of the {@code n} was refused.
   */
  private static boolean watchesServed(ManagedChannel channel, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      RecordingCall<HealthCheckRequest, HealthCheckResponse> w = watch(channel);
      HealthCheckResponse first = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (first == null && !w.ended() && System.nanoTime() < deadline) {
        first = w.received().poll(50, TimeUnit.MILLISECONDS);
      }
      if (first == null) {
        channel.shutdownNow();
        return false;
      }
    }
    assertRefused(watch(channel));
    return true;
  }

  /**
   * gRPC-Web over HTTP/1.1 is one call per connection, but connections are not bounded: its watches
   * count too, and a connection's close gives its place back.
   */
  @Test
  void grpcWebWatchesOverHttp1CountToo() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.core.http.HttpClient client =
          vertx.createHttpClient(
              new io.vertx.core.http.HttpClientOptions()
                  .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_1_1)
                  .setKeepAlive(false),
              new io.vertx.core.http.PoolOptions().setHttp1MaxSize(4));
      // An empty HealthCheckRequest in a gRPC-Web frame: flag 0, length 0.
      io.vertx.core.buffer.Buffer frame = io.vertx.core.buffer.Buffer.buffer(new byte[5]);
      java.util.concurrent.Callable<io.vertx.core.http.HttpClientResponse> watch =
          () ->
              client
                  .request(
                      new io.vertx.core.http.RequestOptions()
                          .setMethod(io.vertx.core.http.HttpMethod.POST)
                          .setHost("127.0.0.1")
                          .setPort(server.port())
                          .setURI("/grpc.health.v1.Health/Watch")
                          .putHeader("content-type", "application/grpc-web+proto"))
                  .compose(r -> r.send(frame))
                  .await(10, TimeUnit.SECONDS);
      io.vertx.core.http.HttpClientResponse first = watch.call();
      io.vertx.core.http.HttpClientResponse second = watch.call();
      assertThat(first.getHeader("grpc-status")).isNull(); // open: its status comes at the end
      assertThat(second.getHeader("grpc-status")).isNull();
      io.vertx.core.http.HttpClientResponse third = watch.call();
      assertThat(third.getHeader("grpc-status")).isEqualTo("8");
      assertThat(third.getHeader("grpc-message")).contains(LIMIT);

      first.request().connection().close();
      awaitServed(() -> watch(server.channel()));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
