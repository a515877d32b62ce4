package io.loadeds.extproc;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.loadeds.grpc.LastMessageRelease;
import io.loadeds.logging.ClientText;
import io.vertx.core.MultiMap;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves {@code envoy.service.ext_proc.v3.ExternalProcessor/Process} on a Vert.x {@link
 * GrpcServer}: each gRPC stream is one HTTP exchange run through the configured {@link
 * ProcessorChain} by an {@link ExchangeEngine}. A stream ends with OK when Envoy ends its side or
 * right after an immediate response; with INTERNAL naming the processor and phase when one throws
 * (logged; other streams go on); with INVALID_ARGUMENT for a message that is not a
 * ProcessingRequest; and the processors hear {@code onExchangeEnd} however it ends (a cancelled
 * stream too).
 *
 * <p>A stream whose gRPC metadata carries {@value #PROCESSORS_HEADER} ({@code a,b}) runs only those
 * of the configured processors; naming one that is not configured ends it with NOT_FOUND.
 *
 * <p>Thread-safe and shared by every event loop ({@link #bind} once per loop); each stream runs on
 * the context of its connection.
 */
public final class ExtProcService {
  /** The gRPC service name. */
  public static final String SERVICE = "envoy.service.ext_proc.v3.ExternalProcessor";

  /** The gRPC metadata key that picks processors for one stream. */
  public static final String PROCESSORS_HEADER = "x-loadeds-processors";

  /** Prefix of the health service name reported for each processor. */
  public static final String HEALTH_PREFIX = "loadeds.extproc.";

  private static final System.Logger LOG = System.getLogger(ExtProcService.class.getName());

  private final ProcessorChain chain;
  private final AtomicLong exchangeIds = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Set<String> tracedFailures = ConcurrentHashMap.newKeySet();

  public ExtProcService(ProcessorChain chain) {
    this.chain = chain;
    // Load the descriptors here, not on an event loop at the first stream.
    ProcessingRequest.getDescriptor();
  }

  /**
   * The gRPC health names this service answers for: {@link #SERVICE} and {@code
   * loadeds.extproc.<name>} per processor; none when no processor is configured.
   */
  public List<String> healthNames() {
    if (chain.processors().isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    out.add(SERVICE);
    chain.names().forEach(n -> out.add(HEALTH_PREFIX + n));
    return out;
  }

  /** Registers {@code Process} on {@code server}; nothing when no processor is configured. */
  public void bind(GrpcServer server) {
    if (chain.processors().isEmpty()) {
      return;
    }
    ServiceMethod<Object, ProcessingResponse> method =
        ServiceMethod.server(
            ServiceName.create(SERVICE), "Process", GrpcMessageEncoder.encoder(), decoder());
    server.callHandler(method, this::open);
  }

  /** Streams open now. */
  public long openStreams() {
    return open.get();
  }

  /** Streams ended because a processor threw, since start. */
  public long processorFailures() {
    return failures.get();
  }

  private void open(GrpcServerRequest<Object, ProcessingResponse> call) {
    GrpcServerResponse<Object, ProcessingResponse> response = call.response();
    ProcessorChain streamChain;
    try {
      streamChain = chainFor(call.headers());
    } catch (IllegalArgumentException e) {
      response.status(GrpcStatus.NOT_FOUND).statusMessage(e.getMessage()).end();
      return;
    }
    ExchangeEngine engine =
        streamChain.open(exchangeIds.incrementAndGet(), metadata(call.headers()));
    open.incrementAndGet();
    // Confined to the stream's context: whether the response is over, and the one end.
    boolean[] over = {false};
    Runnable finish =
        () -> {
          if (!over[0]) {
            over[0] = true;
            open.decrementAndGet();
            engine.end();
          }
        };
    call.handler(
        in -> {
          // Vert.x would keep this message (a buffered body, say) until the next phase's.
          LastMessageRelease.clear(call);
          if (over[0]) {
            return;
          }
          if (!(in instanceof ProcessingRequest request)) {
            finish.run();
            response.status(GrpcStatus.INVALID_ARGUMENT).statusMessage((String) in).end();
            return;
          }
          try {
            engine.process(request).ifPresent(response::write);
          } catch (ExchangeFailure f) {
            if (f.grpcStatus() == ExchangeFailure.INTERNAL) {
              logFailure(engine.exchange().id(), f);
            }
            finish.run();
            response
                .status(GrpcStatus.valueOf(f.grpcStatus()))
                .statusMessage(ClientText.printable(f.description(), 500))
                .end();
            return;
          }
          if (engine.answered()) {
            // Envoy answers the client itself now and needs nothing more from this stream.
            finish.run();
            response.end();
          }
        });
    call.invalidMessageHandler(
        err -> {
          if (!over[0]) {
            finish.run();
            boolean big = err instanceof MessageSizeOverflowException;
            response
                .status(big ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.INVALID_ARGUMENT)
                .statusMessage(
                    big
                        ? "message exceeds xds.maxMessageBytes (the port's gRPC limit)"
                        : "invalid message: " + err.getMessage())
                .end();
          }
        });
    call.endHandler(
        v -> {
          if (!over[0]) {
            finish.run();
            response.end();
          }
        });
    // Cancelled by Envoy (client went away, timeout) or connection lost: nothing may be written.
    call.exceptionHandler(err -> finish.run());
    call.errorHandler(err -> finish.run());
  }

  /**
   * One line per failure; the stack trace only the first time a description is seen (a processor
   * that fails every request would otherwise flood the log with the same trace).
   */
  private void logFailure(long exchange, ExchangeFailure f) {
    failures.incrementAndGet();
    String line = "ext_proc exchange " + exchange + ": " + f.getMessage();
    if (tracedFailures.size() < 1000 && tracedFailures.add(f.getMessage())) {
      LOG.log(System.Logger.Level.WARNING, line, f.getCause());
    } else {
      LOG.log(System.Logger.Level.WARNING, line);
    }
  }

  private ProcessorChain chainFor(MultiMap headers) {
    String pick = headers.get(PROCESSORS_HEADER);
    if (pick == null || pick.isBlank()) {
      return chain;
    }
    Set<String> names = new LinkedHashSet<>();
    for (String n : pick.split(",")) {
      if (!n.isBlank()) {
        names.add(n.strip());
      }
    }
    for (String n : names) {
      if (!chain.names().contains(n)) {
        throw new IllegalArgumentException(
            "ext_proc processor '"
                + ClientText.printable(n)
                + "' is not configured (extProc.processors: "
                + String.join(",", chain.names())
                + ")");
      }
    }
    return chain.only(names);
  }

  private static Headers metadata(MultiMap headers) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    for (Map.Entry<String, String> e : headers) {
      map.addHeaders(HeaderValue.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
    }
    return Headers.of(map.build());
  }

  /**
   * Decodes without throwing: Vert.x answers a decoding failure by resetting the stream, which
   * Envoy sees without a reason; a String (the reason) lets the stream end with INVALID_ARGUMENT.
   */
  private static GrpcMessageDecoder<Object> decoder() {
    GrpcMessageDecoder<ProcessingRequest> proto =
        GrpcMessageDecoder.decoder(ProcessingRequest.newBuilder());
    return new GrpcMessageDecoder<>() {
      @Override
      public Object decode(GrpcMessage message) {
        try {
          return proto.decode(message);
        } catch (CodecException e) {
          Throwable cause = e.getCause() == null ? e : e.getCause();
          return "not a ProcessingRequest: " + cause.getMessage();
        }
      }

      @Override
      public boolean accepts(WireFormat format) {
        return proto.accepts(format);
      }
    };
  }
}
