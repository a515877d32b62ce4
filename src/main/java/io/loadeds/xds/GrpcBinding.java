package io.loadeds.xds;

import com.google.protobuf.Message;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Binds bidirectional xDS methods to protocol state machines (state of the world or delta) on a
 * Vert.x {@link GrpcServer}: one mechanism for every variant. It decodes without resetting the
 * stream (garbage ends it with INVALID_ARGUMENT and a reason), answers an oversized message with
 * RESOURCE_EXHAUSTED, ends each response at most once, and closes the state machine however the
 * stream ends. Immutable and thread-safe; each stream runs on the context of its connection.
 */
public final class GrpcBinding {
  private static final System.Logger LOG = System.getLogger(GrpcBinding.class.getName());

  /** A protocol state machine for one stream, as the binding drives it. */
  public interface ProtocolStream<Q> {
    void onRequest(Q request);

    /** Releases the stream's watches; idempotent. */
    void close();

    /** The node id the client announced, or empty. */
    String nodeId();
  }

  /** Opens the state machine of a new stream. */
  @FunctionalInterface
  public interface StreamFactory<Q, R> {
    ProtocolStream<Q> open(long id, ResponseSink<R> sink, Executor onContext);
  }

  /**
   * A request as decoded, or why it could not be: {@code request} is null when {@code error} isn't.
   */
  private record Inbound<Q>(Q request, String error) {}

  private final XdsListener listener;
  private final LongSupplier streamIds;
  private final int maxMessageBytes;

  /**
   * @param streamIds the next stream id, shared by every bound method so ids are unique
   * @param maxMessageBytes the limit the gRPC server enforces, named in the status it sends
   */
  public GrpcBinding(XdsListener listener, LongSupplier streamIds, int maxMessageBytes) {
    this.listener = XdsListener.guarded(listener);
    this.streamIds = streamIds;
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * Registers {@code service/method} on {@code server}.
   *
   * @param prototype the request type's default instance (decodes requests)
   * @param mode how listeners name this kind of stream, e.g. {@code sotw-ads}
   */
  public <Q extends Message, R extends Message> void bind(
      GrpcServer server,
      String service,
      String method,
      Q prototype,
      String mode,
      StreamFactory<Q, R> factory) {
    ServiceMethod<Inbound<Q>, R> serviceMethod =
        ServiceMethod.server(
            ServiceName.create(service), method, GrpcMessageEncoder.encoder(), decoder(prototype));
    server.callHandler(serviceMethod, call -> open(call, mode, factory));
  }

  private <Q, R> void open(
      GrpcServerRequest<Inbound<Q>, R> call, String mode, StreamFactory<Q, R> factory) {
    Context context = Vertx.currentContext();
    long id = streamIds.getAsLong();
    EndOnce<Inbound<Q>, R> sink = new EndOnce<>(call.response());
    ProtocolStream<Q> stream =
        factory.open(id, sink, task -> context.runOnContext(v -> task.run()));
    listener.streamOpened(id, mode);
    call.handler(
        in -> {
          if (in.error() == null) {
            stream.onRequest(in.request());
          } else {
            stream.close();
            sink.fail(GrpcStatus.INVALID_ARGUMENT.code, in.error());
          }
        });
    call.invalidMessageHandler(
        err -> {
          stream.close();
          if (err instanceof MessageSizeOverflowException big) {
            sink.fail(
                GrpcStatus.RESOURCE_EXHAUSTED.code,
                "message of "
                    + big.messageSize()
                    + " bytes exceeds xds.maxMessageBytes "
                    + maxMessageBytes);
          } else {
            sink.fail(GrpcStatus.INVALID_ARGUMENT.code, "invalid message: " + err.getMessage());
          }
        });
    call.endHandler(
        v -> {
          stream.close();
          sink.end();
        });
    call.exceptionHandler(
        err -> {
          LOG.log(
              System.Logger.Level.DEBUG,
              "xDS stream " + id + " of " + stream.nodeId() + " ended: " + err);
          stream.close();
        });
    call.errorHandler(err -> stream.close());
  }

  /**
   * Decodes without throwing: Vert.x answers a decoding failure by resetting the HTTP/2 stream,
   * which the client sees as CANCELLED with no reason; this lets the stream end with
   * INVALID_ARGUMENT and a description instead.
   */
  private static <Q extends Message> GrpcMessageDecoder<Inbound<Q>> decoder(Q prototype) {
    GrpcMessageDecoder<Q> proto = GrpcMessageDecoder.decoder(prototype.newBuilderForType());
    String typeName = prototype.getDescriptorForType().getName();
    return new GrpcMessageDecoder<>() {
      @Override
      public Inbound<Q> decode(GrpcMessage message) {
        try {
          return new Inbound<>(proto.decode(message), null);
        } catch (CodecException e) {
          Throwable cause = e.getCause() == null ? e : e.getCause();
          return new Inbound<>(null, "not a " + typeName + ": " + cause.getMessage());
        }
      }

      @Override
      public boolean accepts(WireFormat format) {
        return proto.accepts(format);
      }
    };
  }

  /**
   * Writes one stream's responses and ends it at most once (Vert.x throws on a write or an end
   * after the end). Confined to the stream's context.
   */
  private static final class EndOnce<Q, R> implements ResponseSink<R> {
    private final GrpcServerResponse<Q, R> response;
    private boolean ended;

    EndOnce(GrpcServerResponse<Q, R> response) {
      this.response = response;
    }

    @Override
    public void send(R r) {
      if (!ended) {
        response.write(r);
      }
    }

    @Override
    public void fail(int grpcStatus, String description) {
      if (!ended) {
        ended = true;
        response.status(GrpcStatus.valueOf(grpcStatus)).statusMessage(description).end();
      }
    }

    /** Ends the stream with OK, when the client has ended its side. */
    void end() {
      if (!ended) {
        ended = true;
        response.end();
      }
    }
  }
}
