package io.loadeds.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.loadeds.grpc.LastMessageRelease;
import io.loadeds.logging.ClientText;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.grpc.common.GrpcError;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.InvalidMessageException;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * One stream of a {@link GrpcBinding}, in one object: it takes the stream's requests to its state
 * machine, writes the state machine's responses, ends the stream at most once (Vert.x throws on a
 * write or an end after the end), and gives the stream's place back exactly once however it ends. A
 * thousand streams each held a dozen closures and a map entry keyed by a boxed id for the same
 * work; this is what is left of them. Confined to the stream's context, except {@link #goAway}.
 */
final class BoundCall<Q extends Message, R>
    implements ResponseSink<R>, Handler<GrpcBinding.Inbound<Q>> {
  private static final System.Logger LOG = System.getLogger(BoundCall.class.getName());

  private static final byte NO_REQUEST_YET = 0;
  private static final byte ADMITTED = 1;
  private static final byte REFUSED = -1;

  private final GrpcBinding binding;
  private final String mode;
  private final GrpcServerRequest<GrpcBinding.Inbound<Q>, R> request;
  private final RequestParser<Q> parser;
  private final Context context;
  private final long id;
  private GrpcBinding.ProtocolStream<Q> stream;
  private byte admission = NO_REQUEST_YET;
  private boolean released;
  private boolean ended;

  BoundCall(
      GrpcBinding binding,
      String mode,
      GrpcServerRequest<GrpcBinding.Inbound<Q>, R> request,
      RequestParser<Q> parser,
      Context context,
      long id) {
    this.binding = binding;
    this.mode = mode;
    this.request = request;
    this.parser = parser;
    this.context = context;
    this.id = id;
  }

  /** The state machine this call drives; set once, before anything else. */
  void attach(GrpcBinding.ProtocolStream<Q> stream) {
    this.stream = stream;
  }

  /** Starts taking the stream's events. */
  void start() {
    request.handler(this);
    request.invalidMessageHandler(this::invalid);
    request.endHandler(this::clientEnded);
    request.exceptionHandler(this::broken);
    request.errorHandler(this::cancelled);
  }

  /** Ends the stream with UNAVAILABLE on its own context (shutdown). Any thread. */
  void goAway(String reason) {
    context.runOnContext(v -> shutDown(reason));
  }

  /** The same, on the stream's context. */
  void shutDown(String reason) {
    stream.close();
    fail(GrpcStatus.UNAVAILABLE.code, reason);
  }

  @Override
  public void handle(GrpcBinding.Inbound<Q> in) {
    // Vert.x would keep this request, node and all, until the next one: a stream's largest part.
    LastMessageRelease.clear(request);
    if (admission == REFUSED) {
      return; // refused: the stream is ended, and later requests are not looked at
    }
    Q parsed = in.request();
    String error = in.error();
    if (in.raw() != null) {
      try {
        // Once the stream knows its node, later ones are ignored: they are not even decoded.
        parsed =
            stream.nodeId().isEmpty() ? parser.parse(in.raw()) : parser.parseWithoutNode(in.raw());
      } catch (InvalidProtocolBufferException e) {
        error = parser.failure(e);
      }
    }
    if (error != null) {
      stream.close();
      fail(GrpcStatus.INVALID_ARGUMENT.code, error);
      return;
    }
    if (admission == NO_REQUEST_YET) {
      String node = GrpcBinding.nodeIdOf(parsed);
      admission = binding.nodeAllowed(node) ? ADMITTED : REFUSED;
      if (admission == REFUSED) {
        // Once per node id: a refused client reconnects with backoff, for ever.
        binding.refused(
            node,
            "xDS stream " + id + " (" + mode + ")",
            String.valueOf(request.connection().remoteAddress()));
        stream.close();
        fail(
            GrpcStatus.PERMISSION_DENIED.code,
            "node id '" + ClientText.printable(node) + "' may not connect (auth.allowedNodeIds)");
        return;
      }
    }
    stream.onRequest(parsed);
  }

  private void invalid(InvalidMessageException err) {
    stream.close();
    if (err instanceof MessageSizeOverflowException big) {
      fail(
          GrpcStatus.RESOURCE_EXHAUSTED.code,
          "message of "
              + big.messageSize()
              + " bytes exceeds xds.maxMessageBytes "
              + binding.maxMessageBytes());
    } else {
      fail(GrpcStatus.INVALID_ARGUMENT.code, "invalid message: " + err.getMessage());
    }
  }

  /** The client ended its side: the stream ends with OK. */
  private void clientEnded(Void v) {
    stream.close();
    release();
    if (!ended) {
      ended = true;
      request.response().end();
    }
  }

  private void broken(Throwable err) {
    LOG.log(
        System.Logger.Level.DEBUG,
        "xDS stream " + id + " of " + ClientText.printable(stream.nodeId()) + " ended: " + err);
    abandon();
  }

  private void cancelled(GrpcError err) {
    abandon();
  }

  /** The stream failed (reset, cancelled): nothing may be written to it any more. */
  private void abandon() {
    release();
    ended = true;
    stream.close();
  }

  @Override
  public void send(R r) {
    if (!ended) {
      request.response().write(r);
    }
  }

  @Override
  public void fail(int grpcStatus, String description) {
    release();
    if (!ended) {
      ended = true;
      request.response().status(GrpcStatus.valueOf(grpcStatus)).statusMessage(description).end();
    }
  }

  /**
   * Gives the stream's place back and forgets it for shutdown, once, whichever way the stream ends
   * first: also when the server ends it, which the client need not answer with an event here.
   */
  private void release() {
    if (!released) {
      released = true;
      binding.released(this, request.connection());
    }
  }
}
