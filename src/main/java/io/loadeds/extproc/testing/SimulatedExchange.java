package io.loadeds.extproc.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.loadeds.extproc.Exchange;
import io.loadeds.extproc.ExchangeEngine;
import io.loadeds.extproc.ExchangeFailure;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One simulated HTTP exchange: each method sends Envoy's message for a phase and returns what a
 * processor answered, as Envoy would receive it. The first message carries the attributes, the
 * metadata and the body modes set beforehand. Once an immediate response or a failure has ended the
 * exchange, sending more throws {@link IllegalStateException}, as Envoy would not send it.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class SimulatedExchange {
  private static final String FILTER = "envoy.filters.http.ext_proc";

  private final ExchangeEngine engine;
  private final Struct.Builder attributes = Struct.newBuilder();
  private final Metadata.Builder metadata = Metadata.newBuilder();
  private ProtocolConfiguration protocol;
  private boolean observability;
  private boolean over;

  SimulatedExchange(ExchangeEngine engine) {
    this.engine = engine;
  }

  // ------------------------------------------------------------------ set-up

  /** Sends the attribute {@code name} (e.g. {@code xds.cluster_name}) with the next message. */
  public SimulatedExchange attribute(String name, String value) {
    attributes.putFields(name, Value.newBuilder().setStringValue(value).build());
    return this;
  }

  /**
   * Sends the attribute {@code name} with any value (a struct, a number...) with the next message.
   */
  public SimulatedExchange attribute(String name, Value value) {
    attributes.putFields(name, value);
    return this;
  }

  /** Sends {@code filter_metadata[namespace][key] = value} with every later message. */
  public SimulatedExchange metadata(String namespace, String key, String value) {
    Struct.Builder ns =
        metadata.getFilterMetadataOrDefault(namespace, Struct.getDefaultInstance()).toBuilder();
    ns.putFields(key, Value.newBuilder().setStringValue(value).build());
    metadata.putFilterMetadata(namespace, ns.build());
    return this;
  }

  /** Announces the filter's body modes on the next message, as Envoy does on the first. */
  public SimulatedExchange bodyModes(BodySendMode request, BodySendMode response) {
    protocol =
        ProtocolConfiguration.newBuilder()
            .setRequestBodyMode(request)
            .setResponseBodyMode(response)
            .build();
    return this;
  }

  /** Plays a filter in {@code observability_mode} (it sends, and ignores any answer). */
  public SimulatedExchange observability(boolean on) {
    observability = on;
    return this;
  }

  // ------------------------------------------------------------------ the phases

  public Outcome requestHeaders(Map<String, String> headers) {
    return requestHeaders(headers, false);
  }

  /**
   * @param endOfStream true for a request without a body
   */
  public Outcome requestHeaders(Map<String, String> headers, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder().setRequestHeaders(headers(headers, endOfStream)));
  }

  public Outcome requestBody(String chunk, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder().setRequestBody(body(chunk, endOfStream)));
  }

  public Outcome requestTrailers(Map<String, String> trailers) {
    return send(ProcessingRequest.newBuilder().setRequestTrailers(trailers(trailers)));
  }

  public Outcome responseHeaders(Map<String, String> headers) {
    return responseHeaders(headers, false);
  }

  public Outcome responseHeaders(Map<String, String> headers, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder().setResponseHeaders(headers(headers, endOfStream)));
  }

  public Outcome responseBody(String chunk, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder().setResponseBody(body(chunk, endOfStream)));
  }

  public Outcome responseTrailers(Map<String, String> trailers) {
    return send(ProcessingRequest.newBuilder().setResponseTrailers(trailers(trailers)));
  }

  /**
   * Sends any message as is (the set-up above is added to it), for what the helpers do not cover.
   */
  public Outcome send(ProcessingRequest.Builder request) {
    if (over) {
      throw new IllegalStateException("the exchange is over: Envoy sends nothing more on it");
    }
    if (attributes.getFieldsCount() > 0) {
      request.putAttributes(FILTER, attributes.build());
      attributes.clear();
    }
    if (metadata.getFilterMetadataCount() > 0) {
      request.setMetadataContext(metadata.build());
    }
    if (protocol != null) {
      request.setProtocolConfig(protocol);
      protocol = null;
    }
    request.setObservabilityMode(observability);
    try {
      Outcome out = Outcome.of(engine.process(request.build()).orElse(null));
      if (engine.answered()) {
        end();
      }
      return out;
    } catch (ExchangeFailure f) {
      end();
      return Outcome.failed(f);
    }
  }

  /** Ends the exchange as Envoy would when the stream closes (processors hear onExchangeEnd). */
  public void end() {
    over = true;
    engine.end();
  }

  /** The exchange as the processors see it, for assertions on what they kept. */
  public Exchange exchange() {
    return engine.exchange();
  }

  private static HttpHeaders headers(Map<String, String> headers, boolean endOfStream) {
    return HttpHeaders.newBuilder()
        .setHeaders(SimulatedEnvoy.headerMap(headers))
        .setEndOfStream(endOfStream)
        .build();
  }

  private static HttpBody body(String chunk, boolean endOfStream) {
    return HttpBody.newBuilder()
        .setBody(ByteString.copyFrom(chunk, StandardCharsets.UTF_8))
        .setEndOfStream(endOfStream)
        .build();
  }

  private static HttpTrailers trailers(Map<String, String> trailers) {
    return HttpTrailers.newBuilder().setTrailers(SimulatedEnvoy.headerMap(trailers)).build();
  }
}
