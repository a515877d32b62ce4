package io.loadeds.extproc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.Optional;

/**
 * One exchange (one gRPC stream of Envoy's {@code ext_proc} filter) run through a {@link
 * ProcessorChain}, independent of any transport: the Vert.x service, the test kit and the
 * benchmark's grpc-java server all drive it the same way. Feed each {@code ProcessingRequest} to
 * {@link #process}; send what it returns; end the stream with the status of an {@link
 * ExchangeFailure} it throws; call {@link #end} once when the stream is over, however it ended.
 *
 * <p>Threading: confined to the stream's event loop (not thread-safe).
 */
public final class ExchangeEngine {
  private static final System.Logger LOG = System.getLogger(ExchangeEngine.class.getName());

  private final ProcessorChain chain;
  private final Exchange exchange;
  private boolean answered; // an immediate response went out: nothing more to process
  private boolean ended;
  private boolean modeSent;

  ExchangeEngine(ProcessorChain chain, Exchange exchange) {
    this.chain = chain;
    this.exchange = exchange;
  }

  public Exchange exchange() {
    return exchange;
  }

  /**
   * Runs the chain on one message.
   *
   * @return the answer to send; empty when none is due (observability mode, or the exchange was
   *     already answered with an immediate response)
   * @throws ExchangeFailure when the message names no phase (INVALID_ARGUMENT) or a processor
   *     throws (INTERNAL, naming it and the phase); the stream must then end with that status
   */
  public Optional<ProcessingResponse> process(ProcessingRequest request) {
    Phase phase = Phase.of(request);
    if (phase == null) {
      throw new ExchangeFailure(
          ExchangeFailure.INVALID_ARGUMENT, "ProcessingRequest names no phase", null);
    }
    if (answered || ended) {
      return Optional.empty();
    }
    PhaseContext ctx = context(phase, request);
    for (ProcessorChain.Named n : chain.processors()) {
      try {
        dispatch(n.processor(), ctx);
      } catch (RuntimeException e) {
        throw new ExchangeFailure(
            ExchangeFailure.INTERNAL,
            "processor '" + n.name() + "' failed in " + phase.wireName() + ": " + describe(e),
            e);
      }
      if (ctx.responded()) {
        break;
      }
    }
    if (exchange.observing()) {
      return Optional.empty(); // Envoy does not wait for an answer and would ignore it
    }
    if (phase == Phase.REQUEST_HEADERS && !modeSent && ctx.modeOverride() == null) {
      ProcessingMode mode = chain.modeFor(exchange);
      if (mode != null) {
        ctx.overrideMode(mode);
      }
    }
    modeSent |= phase == Phase.REQUEST_HEADERS;
    answered = ctx.responded();
    return Optional.of(ctx.toResponse());
  }

  /** Whether an immediate response was sent: the stream may end now. */
  public boolean answered() {
    return answered;
  }

  /** Tells the processors the exchange is over; only the first call does anything. */
  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    for (ProcessorChain.Named n : chain.processors()) {
      try {
        n.processor().onExchangeEnd(exchange);
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "ext_proc processor '" + n.name() + "' failed at the end of exchange " + exchange.id(),
            e);
      }
    }
  }

  @SuppressWarnings("deprecation") // HttpHeaders.attributes: where older Envoys put them
  private PhaseContext context(Phase phase, ProcessingRequest request) {
    exchange.observing(request.getObservabilityMode());
    if (request.hasProtocolConfig()) {
      exchange.protocol(request.getProtocolConfig());
    }
    if (request.hasMetadataContext()) {
      exchange.metadata(request.getMetadataContext());
    }
    exchange.addAttributes(request.getAttributesMap());
    return switch (phase) {
      case REQUEST_HEADERS, RESPONSE_HEADERS -> {
        var h =
            phase == Phase.REQUEST_HEADERS
                ? request.getRequestHeaders()
                : request.getResponseHeaders();
        exchange.addAttributes(h.getAttributesMap());
        Headers headers = Headers.of(h.getHeaders());
        exchange.headers(phase, headers);
        yield new PhaseContext(phase, exchange, headers, ByteString.EMPTY, h.getEndOfStream());
      }
      case REQUEST_TRAILERS, RESPONSE_TRAILERS -> {
        var t =
            phase == Phase.REQUEST_TRAILERS
                ? request.getRequestTrailers()
                : request.getResponseTrailers();
        Headers trailers = Headers.of(t.getTrailers());
        exchange.headers(phase, trailers);
        yield new PhaseContext(phase, exchange, trailers, ByteString.EMPTY, true);
      }
      case REQUEST_BODY, RESPONSE_BODY -> {
        var b = phase == Phase.REQUEST_BODY ? request.getRequestBody() : request.getResponseBody();
        yield new PhaseContext(phase, exchange, Headers.empty(), b.getBody(), b.getEndOfStream());
      }
    };
  }

  private static void dispatch(Processor p, PhaseContext ctx) {
    switch (ctx.phase()) {
      case REQUEST_HEADERS -> p.onRequestHeaders(ctx);
      case REQUEST_BODY -> p.onRequestBody(ctx);
      case REQUEST_TRAILERS -> p.onRequestTrailers(ctx);
      case RESPONSE_HEADERS -> p.onResponseHeaders(ctx);
      case RESPONSE_BODY -> p.onResponseBody(ctx);
      case RESPONSE_TRAILERS -> p.onResponseTrailers(ctx);
    }
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null
        ? e.getClass().getName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
