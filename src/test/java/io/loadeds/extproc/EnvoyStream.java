package io.loadeds.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One ext_proc stream opened with grpc-java the way Envoy's filter opens it: one per HTTP exchange,
 * a message per phase, half-closed when the exchange is done. Answers and the final status are
 * collected for the test thread.
 */
final class EnvoyStream {
  private final BlockingQueue<ProcessingResponse> answers = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> status = new CompletableFuture<>();
  private ClientCallStreamObserver<ProcessingRequest> requests;

  EnvoyStream(Channel channel, Map<String, String> grpcMetadata) {
    Metadata md = new Metadata();
    grpcMetadata.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    ExternalProcessorGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .process(
            new ClientResponseObserver<ProcessingRequest, ProcessingResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<ProcessingRequest> stream) {
                requests = stream;
              }

              @Override
              public void onNext(ProcessingResponse r) {
                answers.add(r);
              }

              @Override
              public void onError(Throwable t) {
                status.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                status.complete(Status.OK);
              }
            });
  }

  static HeaderMap headers(Map<String, String> h) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    h.forEach((k, v) -> b.addHeaders(HeaderValue.newBuilder().setKey(k).setValue(v)));
    return b.build();
  }

  EnvoyStream send(ProcessingRequest r) {
    requests.onNext(r);
    return this;
  }

  ProcessingResponse requestHeaders(Map<String, String> h) {
    send(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers(h)))
            .build());
    return next();
  }

  ProcessingResponse responseHeaders(Map<String, String> h) {
    send(
        ProcessingRequest.newBuilder()
            .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(headers(h)))
            .build());
    return next();
  }

  static ProcessingRequest requestBody(String body) {
    return ProcessingRequest.newBuilder()
        .setRequestBody(
            HttpBody.newBuilder()
                .setBody(com.google.protobuf.ByteString.copyFromUtf8(body))
                .setEndOfStream(true))
        .build();
  }

  static ProcessingRequest responseBody(String body) {
    return ProcessingRequest.newBuilder()
        .setResponseBody(
            HttpBody.newBuilder()
                .setBody(com.google.protobuf.ByteString.copyFromUtf8(body))
                .setEndOfStream(true))
        .build();
  }

  static ProcessingRequest requestTrailers() {
    return ProcessingRequest.newBuilder()
        .setRequestTrailers(HttpTrailers.newBuilder().setTrailers(headers(Map.of("t", "1"))))
        .build();
  }

  static ProcessingRequest responseTrailers() {
    return ProcessingRequest.newBuilder()
        .setResponseTrailers(HttpTrailers.newBuilder().setTrailers(headers(Map.of("t", "2"))))
        .build();
  }

  /** The next answer (at most 5 s). */
  ProcessingResponse next() {
    try {
      ProcessingResponse r = answers.poll(5, TimeUnit.SECONDS);
      assertThat(r).as("an answer within 5 s (status: %s)", status.getNow(null)).isNotNull();
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Half-closes, as Envoy does when the exchange is over. */
  void finish() {
    requests.onCompleted();
  }

  /** Cancels, as Envoy does when the client goes away mid-exchange. */
  void cancel() {
    requests.cancel("client went away", null);
  }

  /** The status the server ended the stream with (at most 5 s). */
  Status awaitStatus() {
    try {
      return status.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no end of stream within 5 s", e);
    }
  }

  boolean ended() {
    return status.isDone();
  }
}
