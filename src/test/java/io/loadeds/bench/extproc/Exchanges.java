package io.loadeds.bench.extproc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client side of the bench, as Envoy's filter behaves: one gRPC stream per HTTP exchange, one
 * message per phase, the next sent when the answer to the previous one arrives, then a half-close.
 * Thread-safe (every stream keeps its own state; counters are atomic).
 */
final class Exchanges {
  /** The phases of one exchange, in order: headers and a small body each way. */
  static final List<ProcessingRequest> PHASES =
      List.of(
          ProcessingRequest.newBuilder()
              .setRequestHeaders(
                  HttpHeaders.newBuilder()
                      .setHeaders(
                          headers(
                              ":method",
                              "POST",
                              ":path",
                              "/shop.Cart/Add",
                              "content-type",
                              "application/grpc",
                              "x-loadeds-cluster",
                              "shop")))
              .build(),
          ProcessingRequest.newBuilder()
              .setRequestBody(
                  HttpBody.newBuilder()
                      .setBody(ByteString.copyFromUtf8("x".repeat(256)))
                      .setEndOfStream(true))
              .build(),
          ProcessingRequest.newBuilder()
              .setResponseHeaders(
                  HttpHeaders.newBuilder().setHeaders(headers(":status", "200", "server", "b")))
              .build(),
          ProcessingRequest.newBuilder()
              .setResponseBody(
                  HttpBody.newBuilder()
                      .setBody(ByteString.copyFromUtf8("y".repeat(256)))
                      .setEndOfStream(true))
              .build());

  static final List<String> PHASE_NAMES =
      List.of("request_headers", "request_body", "response_headers", "response_body");

  private Exchanges() {}

  static HeaderMap headers(String... kv) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.addHeaders(HeaderValue.newBuilder().setKey(kv[i]).setValue(kv[i + 1]));
    }
    return b.build();
  }

  /**
   * Runs one exchange; completes with the round trip of each phase in nanoseconds, or fails with
   * the stream's error.
   */
  static CompletableFuture<long[]> run(Channel channel) {
    CompletableFuture<long[]> done = new CompletableFuture<>();
    long[] rtt = new long[PHASES.size()];
    long[] sentAt = new long[1];
    int[] next = {0};
    AtomicReference<StreamObserver<ProcessingRequest>> out = new AtomicReference<>();
    out.set(
        ExternalProcessorGrpc.newStub(channel)
            .process(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ProcessingResponse r) {
                    rtt[next[0]] = System.nanoTime() - sentAt[0];
                    next[0]++;
                    if (next[0] < PHASES.size()) {
                      sentAt[0] = System.nanoTime();
                      out.get().onNext(PHASES.get(next[0]));
                    } else {
                      out.get().onCompleted();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    if (next[0] == PHASES.size()) {
                      done.complete(rtt);
                    } else {
                      done.completeExceptionally(
                          new IllegalStateException("stream ended after " + next[0] + " phases"));
                    }
                  }
                }));
    sentAt[0] = System.nanoTime();
    out.get().onNext(PHASES.get(0));
    return done;
  }

  /**
   * Keeps one exchange in flight, then the next, until {@code stop} is set; counts the messages
   * answered (phases) into {@code messages} and the exchanges running into {@code inFlight}.
   */
  static void loop(
      Channel channel,
      AtomicBoolean stop,
      AtomicLong messages,
      AtomicLong errors,
      AtomicLong inFlight) {
    if (stop.get()) {
      return;
    }
    inFlight.incrementAndGet();
    run(channel)
        .whenComplete(
            (rtt, err) -> {
              inFlight.decrementAndGet();
              if (err == null) {
                messages.addAndGet(PHASES.size());
              } else {
                errors.incrementAndGet();
              }
              loop(channel, stop, messages, errors, inFlight);
            });
  }
}
