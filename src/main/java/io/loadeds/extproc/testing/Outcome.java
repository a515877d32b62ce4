package io.loadeds.extproc.testing;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.loadeds.extproc.ExchangeFailure;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Envoy got back for one simulated message: an answer (header and body mutations, or an
 * immediate response), nothing (observability mode, or an exchange already answered), or a failure
 * (the gRPC status the stream ended with). Immutable.
 *
 * @param response the answer as sent, or null when none was sent
 * @param failure why the stream ended with an error, or null
 */
public record Outcome(ProcessingResponse response, ExchangeFailure failure) {
  static Outcome of(ProcessingResponse response) {
    return new Outcome(response, null);
  }

  static Outcome failed(ExchangeFailure failure) {
    return new Outcome(null, failure);
  }

  /** Whether an answer was sent. */
  public boolean answered() {
    return response != null;
  }

  /** Whether the stream ended with an error status. */
  public boolean failed() {
    return failure != null;
  }

  /** The gRPC status code the stream ended with (0 when it did not fail). */
  public int grpcStatus() {
    return failure == null ? 0 : failure.grpcStatus();
  }

  /** The status description Envoy got (empty when it did not fail). */
  public String failureDescription() {
    return failure == null ? "" : failure.description();
  }

  /** The immediate response, if the processors answered with one. */
  public Optional<ImmediateResponse> immediate() {
    return response != null && response.hasImmediateResponse()
        ? Optional.of(response.getImmediateResponse())
        : Optional.empty();
  }

  /** The HTTP status of the immediate response (0 when there is none). */
  public int immediateStatus() {
    return immediate().map(r -> r.getStatus().getCodeValue()).orElse(0);
  }

  /** The headers of the immediate response, by name (the last value of each). */
  public Map<String, String> immediateHeaders() {
    return immediate().map(r -> set(r.getHeaders(), null)).orElse(Map.of());
  }

  public String immediateBody() {
    return immediate().map(r -> r.getBody().toString(StandardCharsets.UTF_8)).orElse("");
  }

  /** Headers set (replaced or added) by the answer, by name (the last value of each). */
  public Map<String, String> headersSet() {
    return set(mutation(), HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
  }

  /** Headers appended to by the answer, by name (the last value of each). */
  public Map<String, String> headersAppended() {
    return set(mutation(), HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
  }

  /** Headers removed by the answer. */
  public List<String> headersRemoved() {
    return mutation().getRemoveHeadersList();
  }

  /** The new body, if the answer replaces it (empty text if it clears it). */
  public Optional<String> bodyReplaced() {
    Optional<BodyMutation> m =
        common().filter(CommonResponse::hasBodyMutation).map(CommonResponse::getBodyMutation);
    return m.map(b -> b.getClearBody() ? "" : b.getBody().toString(StandardCharsets.UTF_8));
  }

  /** The mode the answer asks Envoy to switch to, if any. */
  public Optional<ProcessingMode> modeOverride() {
    return response != null && response.hasModeOverride()
        ? Optional.of(response.getModeOverride())
        : Optional.empty();
  }

  /** The dynamic metadata the answer emits (empty if none). */
  public Struct dynamicMetadata() {
    return response == null ? Struct.getDefaultInstance() : response.getDynamicMetadata();
  }

  private Optional<CommonResponse> common() {
    if (response == null) {
      return Optional.empty();
    }
    return switch (response.getResponseCase()) {
      case REQUEST_HEADERS -> Optional.of(response.getRequestHeaders().getResponse());
      case RESPONSE_HEADERS -> Optional.of(response.getResponseHeaders().getResponse());
      case REQUEST_BODY -> Optional.of(response.getRequestBody().getResponse());
      case RESPONSE_BODY -> Optional.of(response.getResponseBody().getResponse());
      default -> Optional.empty();
    };
  }

  private HeaderMutation mutation() {
    if (response == null) {
      return HeaderMutation.getDefaultInstance();
    }
    return switch (response.getResponseCase()) {
      case REQUEST_TRAILERS -> response.getRequestTrailers().getHeaderMutation();
      case RESPONSE_TRAILERS -> response.getResponseTrailers().getHeaderMutation();
      default ->
          common()
              .map(CommonResponse::getHeaderMutation)
              .orElse(HeaderMutation.getDefaultInstance());
    };
  }

  /** The set headers of {@code m} with the {@code action} (null: any), by name. */
  private static Map<String, String> set(HeaderMutation m, HeaderAppendAction action) {
    Map<String, String> out = new LinkedHashMap<>();
    for (HeaderValueOption o : m.getSetHeadersList()) {
      if (action == null || o.getAppendAction() == action) {
        out.put(o.getHeader().getKey(), o.getHeader().getValue());
      }
    }
    return Map.copyOf(out);
  }
}
