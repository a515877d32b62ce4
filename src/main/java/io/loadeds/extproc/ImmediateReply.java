package io.loadeds.extproc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.service.ext_proc.v3.GrpcStatus;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An answer Envoy sends to the client at once, instead of going (on) to the upstream. Immutable:
 * each {@code with...} returns a copy. Build one with {@link #status}, hand it to {@link
 * PhaseContext#respond}.
 *
 * @param status the HTTP status, 200..599
 * @param headers response headers, in order
 * @param body the response body
 * @param grpcStatus the gRPC status for a gRPC client (-1: none; Envoy then derives one from the
 *     HTTP status)
 * @param details what Envoy logs as the response code details
 */
public record ImmediateReply(
    int status,
    List<Map.Entry<String, String>> headers,
    ByteString body,
    int grpcStatus,
    String details) {
  public ImmediateReply {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("HTTP status must be in 200..599, got " + status);
    }
    headers = List.copyOf(headers);
  }

  /** A reply with {@code status} and nothing else. */
  public static ImmediateReply status(int status) {
    return new ImmediateReply(status, List.of(), ByteString.EMPTY, -1, "");
  }

  public ImmediateReply withHeader(String name, String value) {
    List<Map.Entry<String, String>> h = new ArrayList<>(headers);
    h.add(Map.entry(name, value));
    return new ImmediateReply(status, h, body, grpcStatus, details);
  }

  public ImmediateReply withBody(String text) {
    return withBody(ByteString.copyFrom(text, StandardCharsets.UTF_8));
  }

  public ImmediateReply withBody(ByteString bytes) {
    return new ImmediateReply(status, headers, bytes, grpcStatus, details);
  }

  /** The gRPC status code ({@code 0..16}) a gRPC client gets. */
  public ImmediateReply withGrpcStatus(int code) {
    if (code < 0 || code > 16) {
      throw new IllegalArgumentException("gRPC status must be in 0..16, got " + code);
    }
    return new ImmediateReply(status, headers, body, code, details);
  }

  public ImmediateReply withDetails(String text) {
    return new ImmediateReply(status, headers, body, grpcStatus, text);
  }

  /** The Envoy message. */
  public ImmediateResponse toProto() {
    HeaderMutation.Builder h = HeaderMutation.newBuilder();
    for (Map.Entry<String, String> e : headers) {
      h.addSetHeaders(option(e.getKey(), e.getValue(), true));
    }
    ImmediateResponse.Builder b =
        ImmediateResponse.newBuilder()
            // StatusCode names the well-known codes only; any 200..599 is valid on the wire.
            .setStatus(HttpStatus.newBuilder().setCodeValue(status))
            .setHeaders(h)
            .setBody(body)
            .setDetails(details);
    if (grpcStatus >= 0) {
      b.setGrpcStatus(GrpcStatus.newBuilder().setStatus(grpcStatus));
    }
    return b.build();
  }

  /** A header to set ({@code overwrite}) or append. */
  static HeaderValueOption option(String name, String value, boolean overwrite) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(
            overwrite
                ? HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                : HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)
        .build();
  }
}
