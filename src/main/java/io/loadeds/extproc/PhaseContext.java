package io.loadeds.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One message of an exchange as a processor sees it (what Envoy sent in this phase) and the answer
 * it builds (how Envoy should change the request or response). Every processor of the chain gets
 * the same context for a message, in order: each sees what Envoy sent, and the answers add up (a
 * later {@code setHeader} of the same name wins).
 *
 * <p>Threading: confined to the exchange's stream, valid only during the callback it is given to.
 */
public final class PhaseContext {
  private final Phase phase;
  private final Exchange exchange;
  private final Headers headers;
  private final ByteString body;
  private final boolean endOfStream;
  private final HeaderMutation.Builder headerMutation = HeaderMutation.newBuilder();
  private final Struct.Builder dynamicMetadata = Struct.newBuilder();
  private BodyMutation bodyMutation;
  private boolean clearRouteCache;
  private ProcessingMode modeOverride;
  private ImmediateReply reply;

  PhaseContext(Phase phase, Exchange exchange, Headers headers, ByteString body, boolean eos) {
    this.phase = phase;
    this.exchange = exchange;
    this.headers = headers;
    this.body = body;
    this.endOfStream = eos;
  }

  public Phase phase() {
    return phase;
  }

  /** The exchange this message belongs to: state across phases, attributes, metadata. */
  public Exchange exchange() {
    return exchange;
  }

  /** The headers (or trailers) of this phase; empty in a body phase. */
  public Headers headers() {
    return headers;
  }

  /** The body chunk of this phase (the whole body when Envoy buffers it); empty otherwise. */
  public ByteString body() {
    return body;
  }

  /** {@link #body()} decoded as UTF-8. */
  public String bodyText() {
    return body.toString(StandardCharsets.UTF_8);
  }

  /** Whether this message ends its direction (no body or trailers follow). */
  public boolean endOfStream() {
    return endOfStream;
  }

  // ------------------------------------------------------------------ answers

  /** Sets {@code name} to {@code value}, replacing any value it has (headers of this direction). */
  public PhaseContext setHeader(String name, String value) {
    headerMutation.addSetHeaders(ImmediateReply.option(lower(name), value, true));
    return this;
  }

  /** Adds a value to {@code name}, keeping those it has. */
  public PhaseContext addHeader(String name, String value) {
    headerMutation.addSetHeaders(ImmediateReply.option(lower(name), value, false));
    return this;
  }

  /** Removes {@code name}. */
  public PhaseContext removeHeader(String name) {
    headerMutation.addRemoveHeaders(lower(name));
    return this;
  }

  /**
   * Replaces the body of this direction: in a body phase the chunk Envoy sent; in a headers phase
   * the whole body (Envoy then sends no body phase for it).
   *
   * @throws IllegalStateException in a trailers phase, which cannot change a body
   */
  public PhaseContext replaceBody(ByteString bytes) {
    requireNotTrailers("replaceBody");
    bodyMutation = BodyMutation.newBuilder().setBody(bytes).build();
    return this;
  }

  public PhaseContext replaceBody(String text) {
    return replaceBody(ByteString.copyFrom(text, StandardCharsets.UTF_8));
  }

  /** Empties the body of this direction. */
  public PhaseContext clearBody() {
    requireNotTrailers("clearBody");
    bodyMutation = BodyMutation.newBuilder().setClearBody(true).build();
    return this;
  }

  /** Asks Envoy to route the request again after these changes (request headers matter to it). */
  public PhaseContext clearRouteCache() {
    requireNotTrailers("clearRouteCache");
    clearRouteCache = true;
    return this;
  }

  /** Emits dynamic metadata (in the filter's namespace) for later filters and access logs. */
  public PhaseContext putDynamicMetadata(String key, Value value) {
    dynamicMetadata.putFields(key, value);
    return this;
  }

  public PhaseContext putDynamicMetadata(String key, String value) {
    return putDynamicMetadata(key, Value.newBuilder().setStringValue(value).build());
  }

  /**
   * Tells Envoy which phases to send from now on. Envoy honours it only in the answer to the
   * request headers and only with {@code allow_mode_override: true}.
   *
   * @throws IllegalStateException outside the request headers phase
   */
  public PhaseContext overrideMode(ProcessingMode mode) {
    if (phase != Phase.REQUEST_HEADERS) {
      throw new IllegalStateException("overrideMode is only honoured in request_headers");
    }
    modeOverride = mode;
    return this;
  }

  /**
   * Answers the client at once with {@code reply}: Envoy does not go (on) to the upstream, and no
   * further phase of this exchange is processed. Later processors of the chain do not run.
   */
  public void respond(ImmediateReply reply) {
    this.reply = reply;
  }

  /** Whether a processor has answered with an immediate response. */
  public boolean responded() {
    return reply != null;
  }

  // ------------------------------------------------------------------ for the engine

  ProcessingMode modeOverride() {
    return modeOverride;
  }

  /** The ProcessingResponse that answers this message. */
  ProcessingResponse toResponse() {
    ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
    if (dynamicMetadata.getFieldsCount() > 0) {
      r.setDynamicMetadata(dynamicMetadata);
    }
    if (reply != null) {
      return r.setImmediateResponse(reply.toProto()).build();
    }
    if (modeOverride != null) {
      r.setModeOverride(modeOverride);
    }
    if (phase == Phase.REQUEST_TRAILERS || phase == Phase.RESPONSE_TRAILERS) {
      TrailersResponse t = TrailersResponse.newBuilder().setHeaderMutation(headerMutation).build();
      return phase == Phase.REQUEST_TRAILERS
          ? r.setRequestTrailers(t).build()
          : r.setResponseTrailers(t).build();
    }
    CommonResponse.Builder common =
        CommonResponse.newBuilder()
            .setHeaderMutation(headerMutation)
            .setClearRouteCache(clearRouteCache);
    if (bodyMutation != null) {
      common.setBodyMutation(bodyMutation);
      if (phase.hasHeaders()) {
        // In a headers phase a body can only be given with CONTINUE_AND_REPLACE.
        common.setStatus(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE);
      }
    }
    return switch (phase) {
      case REQUEST_HEADERS ->
          r.setRequestHeaders(HeadersResponse.newBuilder().setResponse(common)).build();
      case RESPONSE_HEADERS ->
          r.setResponseHeaders(HeadersResponse.newBuilder().setResponse(common)).build();
      case REQUEST_BODY -> r.setRequestBody(BodyResponse.newBuilder().setResponse(common)).build();
      case RESPONSE_BODY ->
          r.setResponseBody(BodyResponse.newBuilder().setResponse(common)).build();
      default -> throw new IllegalStateException("unreachable: " + phase);
    };
  }

  private void requireNotTrailers(String what) {
    if (phase == Phase.REQUEST_TRAILERS || phase == Phase.RESPONSE_TRAILERS) {
      throw new IllegalStateException(what + " is not possible in " + phase.wireName());
    }
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
