package io.loadeds.extproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.loadeds.config.ConfigException;
import io.loadeds.config.ExtProcConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Registration;
import io.loadeds.testing.Heap;
import io.loadeds.testing.LogCapture;
import io.loadeds.testing.RecordingCall;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ext_proc service on the real port, driven with grpc-java stubs the way Envoy's filter drives
 * it: every phase, an immediate response, a throwing processor, a cancelled stream, the gRPC health
 * of the processors.
 */
class ExtProcServiceTest {
  private Vertx vertx;
  private LoadEdsServer server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close().await();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  private void start(List<String> processors) {
    vertx = Vertx.vertx();
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
            .withExtProc(ExtProcConfig.defaults().withProcessors(processors));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await();
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
  }

  private static final List<String> ALL =
      List.of("request-id", "every-phase", "throws-on-body", "load-shedding");

  private EnvoyStream stream(String processors, String testId) {
    return new EnvoyStream(
        channel, Map.of(ExtProcService.PROCESSORS_HEADER, processors, "x-test-id", testId));
  }

  private static String set(List<HeaderValueOption> options, String name) {
    return options.stream()
        .filter(o -> o.getHeader().getKey().equals(name))
        .map(o -> o.getHeader().getValue())
        .reduce((a, b) -> b)
        .orElse(null);
  }

  @Test
  void everyPhaseIsAnsweredInOrderAndTheStreamEndsOkWhenEnvoyEndsIt() {
    start(ALL);
    String id = UUID.randomUUID().toString();
    EnvoyStream s = stream("every-phase", id);

    ProcessingResponse h = s.requestHeaders(Map.of(":path", "/a"));
    ProcessingResponse b = s.send(EnvoyStream.requestBody("hello")).next();
    ProcessingResponse t = s.send(EnvoyStream.requestTrailers()).next();
    ProcessingResponse rh = s.responseHeaders(Map.of(":status", "200"));
    ProcessingResponse rb = s.send(EnvoyStream.responseBody("world")).next();
    ProcessingResponse rt = s.send(EnvoyStream.responseTrailers()).next();
    s.finish();

    assertThat(
            set(
                h.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList(),
                "x-phase"))
        .isEqualTo("request_headers");
    assertThat(b.getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8())
        .isEqualTo("HELLO");
    assertThat(set(t.getRequestTrailers().getHeaderMutation().getSetHeadersList(), "x-phase"))
        .isEqualTo("request_trailers");
    assertThat(
            set(
                rh.getResponseHeaders().getResponse().getHeaderMutation().getSetHeadersList(),
                "x-phase"))
        .isEqualTo("response_headers");
    assertThat(rb.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8())
        .isEqualTo("WORLD");
    assertThat(set(rt.getResponseTrailers().getHeaderMutation().getSetHeadersList(), "x-phase"))
        .isEqualTo("response_trailers");
    assertThat(s.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    await(() -> TestProcessors.ENDED.contains(id), "the processor heard the end");
    await(() -> server.extProc().openStreams() == 0, "no stream left open");
  }

  /**
   * A processed body must not stay in memory while its exchange waits for the response: Vert.x's
   * gRPC server kept an exchange's last message until the next phase's ({@code
   * grpc.LastMessageRelease}). Exchanges waiting after a 256 KB body must cost about what exchanges
   * waiting after a tiny body cost (client and server share this JVM: the difference is compared).
   */
  @Test
  void aProcessedBodyIsNotKeptWhileItsExchangeWaitsForTheResponse() throws Exception {
    start(ALL);
    String big = "b".repeat(256 * 1024);
    int exchanges = 20;
    List<EnvoyStream> waiting = new ArrayList<>();
    waiting.add(afterBody("first")); // one-off state first
    long start = Heap.liveBytes();
    for (int i = 0; i < exchanges; i++) {
      waiting.add(afterBody("tiny"));
    }
    long afterTiny = Heap.liveBytes();
    for (int i = 0; i < exchanges; i++) {
      waiting.add(afterBody(big));
    }
    long afterBig = Heap.liveBytes();

    double tinyEach = (afterTiny - start) / (double) exchanges;
    double bigEach = (afterBig - afterTiny) / (double) exchanges;
    // Kept, each exchange would hold the whole body (and the buffer it was read into).
    assertThat(bigEach - tinyEach)
        .as("bytes per waiting exchange that a %d-byte body adds", big.length())
        .isLessThan(big.length() / 10.0);
    assertThat(waiting).hasSize(1 + 2 * exchanges); // open until measured
  }

  /** An exchange whose request body has been processed, waiting for the response's headers. */
  private EnvoyStream afterBody(String body) {
    EnvoyStream s = stream("request-id", "waiting");
    s.requestHeaders(Map.of(":path", "/"));
    s.send(EnvoyStream.requestBody(body)).next();
    return s;
  }

  @Test
  void theConfiguredChainRunsInOrderWhenTheStreamPicksNone() {
    start(List.of("request-id", "load-shedding"));
    EnvoyStream s = new EnvoyStream(channel, Map.of());

    ProcessingResponse h = s.requestHeaders(Map.of(":path", "/", "x-request-id", "r-1"));
    ProcessingResponse rh = s.responseHeaders(Map.of(":status", "200"));
    s.finish();

    assertThat(
            set(
                h.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList(),
                "x-request-id"))
        .isEqualTo("r-1");
    assertThat(
            set(
                rh.getResponseHeaders().getResponse().getHeaderMutation().getSetHeadersList(),
                "x-request-id"))
        .isEqualTo("r-1");
    assertThat(s.awaitStatus().isOk()).isTrue();
  }

  @Test
  void aFullClusterIsAnsweredAtOnceWith503AndTheStreamEnds() {
    start(ALL);
    server
        .registry()
        .register(new EndpointKey("shop", "a"), Registration.of("10.0.0.1", 8080).withLoad(1, 1));
    EnvoyStream s = stream("load-shedding", "shed");

    ProcessingResponse r = s.requestHeaders(Map.of(":path", "/", "x-loadeds-cluster", "shop"));

    assertThat(r.hasImmediateResponse()).isTrue();
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(503);
    assertThat(set(r.getImmediateResponse().getHeaders().getSetHeadersList(), "retry-after"))
        .isEqualTo("5");
    // Envoy needs nothing more from this stream: the server ends it.
    assertThat(s.awaitStatus().isOk()).isTrue();
  }

  @Test
  void aThrowingProcessorEndsOnlyItsStreamWithInternalNamingItAndIsLogged() {
    start(ALL);
    EnvoyStream healthy = stream("every-phase", "healthy");
    healthy.requestHeaders(Map.of(":path", "/ok"));
    EnvoyStream failing = stream("every-phase,throws-on-body", "failing");
    failing.requestHeaders(Map.of(":path", "/bad"));

    try (LogCapture log = LogCapture.of(ExtProcService.class.getName())) {
      failing.send(EnvoyStream.requestBody("12345"));
      Status status = failing.awaitStatus();

      assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
      assertThat(status.getDescription())
          .isEqualTo(
              "processor 'throws-on-body' failed in request_body: IllegalArgumentException: cannot"
                  + " read 5 bytes");
      assertThat(log.messages(Level.WARNING)).anyMatch(m -> m.contains("throws-on-body"));
    }
    assertThat(server.extProc().processorFailures()).isEqualTo(1);
    ProcessingResponse b = healthy.send(EnvoyStream.requestBody("still")).next();
    assertThat(b.getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8())
        .isEqualTo("STILL");
    healthy.finish();
    assertThat(healthy.awaitStatus().isOk()).isTrue();
  }

  @Test
  void aStreamCancelledMidExchangeEndsItsExchangeAndLeavesTheOthersAlone() {
    start(ALL);
    String id = UUID.randomUUID().toString();
    EnvoyStream other = stream("every-phase", "other");
    other.requestHeaders(Map.of(":path", "/other"));
    EnvoyStream cancelled = stream("every-phase", id);
    cancelled.requestHeaders(Map.of(":path", "/gone"));

    cancelled.cancel();

    await(() -> TestProcessors.ENDED.contains(id), "the processor heard the end");
    await(() -> server.extProc().openStreams() == 1, "one stream left open");
    assertThat(other.responseHeaders(Map.of(":status", "200")).hasResponseHeaders()).isTrue();
    other.finish();
    assertThat(other.awaitStatus().isOk()).isTrue();
  }

  @Test
  void bytesThatAreNotAProcessingRequestEndTheStreamWithInvalidArgumentAndTheServerGoesOn() {
    start(ALL);
    MethodDescriptor<ProcessingRequest, ProcessingResponse> process =
        ExternalProcessorGrpc.getProcessMethod();
    RecordingCall<byte[], ProcessingResponse> raw = new RecordingCall<>();
    ClientCalls.asyncBidiStreamingCall(
        channel.newCall(
            process.toBuilder(new RawBytes(), process.getResponseMarshaller()).build(),
            CallOptions.DEFAULT),
        raw);

    raw.requests().onNext(new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
    Status s = raw.awaitStatus(Duration.ofSeconds(5));

    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).startsWith("not a ProcessingRequest");
    EnvoyStream next = stream("every-phase", "after-garbage");
    assertThat(next.requestHeaders(Map.of(":path", "/")).hasRequestHeaders()).isTrue();
  }

  /** Sends bytes unchanged. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Test
  void aStreamPickingAProcessorThatIsNotConfiguredEndsWithNotFound() {
    start(List.of("request-id"));
    EnvoyStream s = stream("every-phase", "x");

    s.send(EnvoyStream.requestBody("b"));
    Status status = s.awaitStatus();

    assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status.getDescription()).contains("'every-phase' is not configured");
  }

  @Test
  void theHealthServiceReportsTheServiceAndEachProcessor() {
    start(List.of("request-id", "load-shedding"));
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    await(() -> check(health, "").getStatus() == ServingStatus.SERVING, "server ready");

    for (String name :
        List.of(
            ExtProcService.SERVICE,
            "loadeds.extproc.request-id",
            "loadeds.extproc.load-shedding")) {
      assertThat(check(health, name).getStatus()).as(name).isEqualTo(ServingStatus.SERVING);
    }
    assertThatThrownBy(() -> check(health, "loadeds.extproc.every-phase"))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("NOT_FOUND");
  }

  @Test
  void withoutProcessorsTheServiceIsNotServedNorReported() {
    start(List.of());

    Status status =
        new EnvoyStream(channel, Map.of()).send(EnvoyStream.requestBody("b")).awaitStatus();

    assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThatThrownBy(() -> check(HealthGrpc.newBlockingStub(channel), ExtProcService.SERVICE))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("NOT_FOUND");
  }

  @Test
  void anUnknownProcessorNameFailsTheStartNamingIt() {
    Vertx v = Vertx.vertx();
    try {
      ServerConfig config =
          ServerConfig.defaults()
              .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0))
              .withExtProc(ExtProcConfig.defaults().withProcessors(List.of("nope")));

      assertThatThrownBy(() -> LoadEdsServer.start(v, config, Clock.systemUTC()).await())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("no processor named 'nope'")
          .hasMessageContaining("load-shedding");
    } finally {
      v.close().await();
    }
  }

  private static io.grpc.health.v1.HealthCheckResponse check(
      HealthGrpc.HealthBlockingStub health, String service) {
    return health
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build());
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 5 s: " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
