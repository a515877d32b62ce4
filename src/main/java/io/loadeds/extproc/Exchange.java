package io.loadeds.extproc;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP exchange as Envoy reports it across its phases: when it started, the headers and
 * trailers seen so far, the attributes and metadata Envoy sent, the gRPC metadata of the stream,
 * and a place for processors to keep their own state between phases.
 *
 * <p>Threading: confined to the exchange's stream (one event loop); not for other threads.
 */
public final class Exchange {
  private final long id;
  private final Clock clock;
  private final Instant startedAt;
  private final Headers grpcMetadata;
  private final Map<String, Value> attributes = new HashMap<>();
  private final Map<String, Object> state = new HashMap<>();
  private Headers requestHeaders = Headers.empty();
  private Headers responseHeaders = Headers.empty();
  private Headers requestTrailers = Headers.empty();
  private Headers responseTrailers = Headers.empty();
  private Metadata metadata = Metadata.getDefaultInstance();
  private ProtocolConfiguration protocol = ProtocolConfiguration.getDefaultInstance();
  private boolean observing;

  Exchange(long id, Clock clock, Headers grpcMetadata) {
    this.id = id;
    this.clock = clock;
    this.startedAt = clock.instant();
    this.grpcMetadata = grpcMetadata;
  }

  /** A number unique to this exchange on this server (for logs). */
  public long id() {
    return id;
  }

  /** When the first message of the exchange arrived. */
  public Instant startedAt() {
    return startedAt;
  }

  /** How long since {@link #startedAt}. */
  public Duration elapsed() {
    return Duration.between(startedAt, clock.instant());
  }

  /** The request's headers, once Envoy sent them (empty before, or when it does not send them). */
  public Headers requestHeaders() {
    return requestHeaders;
  }

  /** The response's headers, once Envoy sent them. */
  public Headers responseHeaders() {
    return responseHeaders;
  }

  public Headers requestTrailers() {
    return requestTrailers;
  }

  public Headers responseTrailers() {
    return responseTrailers;
  }

  /**
   * The gRPC metadata (HTTP/2 headers) of the ext_proc stream itself: what the filter's {@code
   * grpc_service.initial_metadata}, or a route's {@code ExtProcPerRoute} {@code
   * grpc_initial_metadata}, adds. A way to pass per-route settings to a processor.
   */
  public Headers grpcMetadata() {
    return grpcMetadata;
  }

  /**
   * An attribute Envoy sent ({@code request_attributes} / {@code response_attributes} of the
   * filter, e.g. {@code request.path}, {@code xds.cluster_name}, {@code source.address}), whichever
   * filter instance it came under.
   */
  public Optional<Value> attribute(String name) {
    return Optional.ofNullable(attributes.get(name));
  }

  /**
   * An attribute as text: a string as is, a number or bool printed; empty if absent or a struct.
   */
  public Optional<String> attributeText(String name) {
    return attribute(name).flatMap(Exchange::text);
  }

  /** Every attribute received so far, by name (immutable copy). */
  public Map<String, Value> attributes() {
    return Map.copyOf(attributes);
  }

  /**
   * The dynamic metadata Envoy forwarded with the latest message ({@code metadata_options} of the
   * filter).
   */
  public Metadata metadata() {
    return metadata;
  }

  /** One field of {@link #metadata()}: {@code filter_metadata[namespace][key]}. */
  public Optional<Value> metadata(String namespace, String key) {
    Struct ns = metadata.getFilterMetadataMap().get(namespace);
    return ns == null ? Optional.empty() : Optional.ofNullable(ns.getFieldsMap().get(key));
  }

  /**
   * Whether Envoy runs the filter in {@code observability_mode}: it does not wait for answers and
   * ignores them, so mutations and immediate responses of the processors have no effect.
   */
  public boolean observing() {
    return observing;
  }

  /** The request body mode of the filter, as Envoy announced it (NONE if it did not). */
  public BodySendMode requestBodyMode() {
    return protocol.getRequestBodyMode();
  }

  /** The response body mode of the filter, as Envoy announced it (NONE if it did not). */
  public BodySendMode responseBodyMode() {
    return protocol.getResponseBodyMode();
  }

  /** Whether the request is gRPC ({@code content-type: application/grpc...}). */
  public boolean isGrpc() {
    return requestHeaders
        .get("content-type")
        .map(t -> t.startsWith("application/grpc"))
        .orElse(false);
  }

  /** A value a processor kept for later phases of this exchange. */
  public <T> Optional<T> get(String key, Class<T> type) {
    Object v = state.get(key);
    return type.isInstance(v) ? Optional.of(type.cast(v)) : Optional.empty();
  }

  /** Keeps {@code value} (null removes it) for later phases of this exchange. */
  public void put(String key, Object value) {
    if (value == null) {
      state.remove(key);
    } else {
      state.put(key, value);
    }
  }

  // ------------------------------------------------------------------ fed by the engine

  void observing(boolean on) {
    observing = on;
  }

  void protocol(ProtocolConfiguration p) {
    protocol = p;
  }

  void metadata(Metadata m) {
    metadata = m;
  }

  void addAttributes(Map<String, Struct> byFilter) {
    for (Struct s : byFilter.values()) {
      attributes.putAll(s.getFieldsMap());
    }
  }

  void headers(Phase phase, Headers headers) {
    switch (phase) {
      case REQUEST_HEADERS -> requestHeaders = headers;
      case RESPONSE_HEADERS -> responseHeaders = headers;
      case REQUEST_TRAILERS -> requestTrailers = headers;
      case RESPONSE_TRAILERS -> responseTrailers = headers;
      default -> throw new IllegalArgumentException(phase + " has no headers");
    }
  }

  private static Optional<String> text(Value v) {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> Optional.of(v.getStringValue());
      case BOOL_VALUE -> Optional.of(Boolean.toString(v.getBoolValue()));
      case NUMBER_VALUE -> {
        double d = v.getNumberValue();
        yield Optional.of(
            d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d));
      }
      default -> Optional.empty();
    };
  }
}
