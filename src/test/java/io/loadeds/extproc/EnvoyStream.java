package io.loadeds.extproc;

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
import io.grpc.stub.MetadataUtils;
import io.loadeds.testing.RecordingCall;
import java.time.Duration;
import java.util.Map;

/**
 * One ext_proc stream opened with grpc-java the way Envoy's filter opens it: one per HTTP exchange,
 * a message per phase, half-closed when the exchange is done. Answers and the final status are
 * collected for the test thread.
 */
final class EnvoyStream {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final RecordingCall<ProcessingRequest, ProcessingResponse> call = new RecordingCall<>();

  EnvoyStream(Channel channel, Map<String, String> grpcMetadata) {
    Metadata md = new Metadata();
    grpcMetadata.forEach((k, v) -> md.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    ExternalProcessorGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .process(call);
  }

  static HeaderMap headers(Map<String, String> h) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    h.forEach((k, v) -> b.addHeaders(HeaderValue.newBuilder().setKey(k).setValue(v)));
    return b.build();
  }

  EnvoyStream send(ProcessingRequest r) {
    call.requests().onNext(r);
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
    return call.next(WAIT);
  }

  /** Half-closes, as Envoy does when the exchange is over. */
  void finish() {
    call.requests().onCompleted();
  }

  /** Cancels, as Envoy does when the client goes away mid-exchange. */
  void cancel() {
    call.requests().cancel("client went away", null);
  }

  /** The status the server ended the stream with (at most 5 s). */
  Status awaitStatus() {
    return call.awaitStatus(WAIT);
  }

  boolean ended() {
    return call.ended();
  }
}
