package io.loadeds.xds;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.loadeds.logging.ThrottledWarning;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Binds bidirectional xDS methods to protocol state machines (state of the world or delta) on a
 * Vert.x {@link GrpcServer}: one mechanism for every variant. It decodes without resetting the
 * stream (garbage ends it with INVALID_ARGUMENT and a reason), answers an oversized message with
 * RESOURCE_EXHAUSTED, ends a stream whose first request names a node id that may not connect with
 * PERMISSION_DENIED (before the state machine sees it), ends each response at most once, and closes
 * the state machine however the stream ends. Thread-safe; each stream runs on the context of its
 * connection.
 *
 * <p>It limits the streams open at once, per connection and in total ({@link StreamLimits}): a
 * stream above either ends at once with RESOURCE_EXHAUSTED naming the limit, and each stream gives
 * its place back exactly once, however it ends.
 *
 * <p>On shutdown, {@link #goAway} ends every open stream with UNAVAILABLE (xDS streams never end on
 * their own, so an HTTP/2 GOAWAY alone would keep them until the grace runs out) and refuses new
 * ones the same way; clients then reconnect, to another instance if there is one.
 */
public final class GrpcBinding {
  private static final System.Logger LOG = System.getLogger(GrpcBinding.class.getName());

  // A client past a stream limit may reconnect at once and without end; one line per second is
  // enough to tell who and why.
  private final ThrottledWarning refusedStreams =
      new ThrottledWarning(LOG, TimeUnit.SECONDS.toNanos(1));

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
   * How many streams may be open at once.
   *
   * @param perConnection on one HTTP/2 connection ({@code limits.maxStreamsPerConnection})
   * @param total on every connection together ({@code limits.maxStreams})
   */
  public record StreamLimits(int perConnection, int total) {
    /** No practical limit. */
    public static StreamLimits none() {
      return new StreamLimits(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }
  }

  /**
   * A request as it arrived: parsed ({@code request}) when it came as JSON, still in the
   * transport's bytes ({@code raw}) when it came as protobuf (the stream parses it: only the stream
   * knows whether the request's node is needed), or why it could not be decoded ({@code error}).
   * Exactly one of the three is set. Holding {@code raw} until the stream reads it is safe: Vert.x
   * hands out copies of the transport's bytes, and its own read queue holds them the same way.
   */
  record Inbound<Q>(Q request, Buffer raw, String error) {}

  private final XdsListener listener;
  private final RefusedNodeLog refusedNodes;
  private final LongSupplier streamIds;
  private final int maxMessageBytes;
  private final Predicate<String> nodeAllowed;
  private final StreamLimits limits;
  // Streams holding a place, in total and by connection; an entry goes when its count reaches 0.
  private final AtomicInteger streams = new AtomicInteger();
  private final Map<HttpConnection, AtomicInteger> streamsByConnection = new ConcurrentHashMap<>();
  // Open streams, to end on shutdown. A stream leaves it when it ends, whichever way.
  private final Set<BoundCall<?, ?>> open = ConcurrentHashMap.newKeySet();
  // Every stream on one loop shares one executor, so a change wakes a loop once, not per stream.
  private final LoopBatches loops = new LoopBatches();
  private volatile String goingAway;

  /** A binding that lets every node id connect. */
  public GrpcBinding(XdsListener listener, LongSupplier streamIds, int maxMessageBytes) {
    this(listener, streamIds, maxMessageBytes, node -> true, StreamLimits.none());
  }

  /**
   * @param streamIds the next stream id, shared by every bound method so ids are unique
   * @param maxMessageBytes the limit the gRPC server enforces, named in the status it sends
   * @param nodeAllowed whether the node id of a stream's first request may connect
   * @param limits how many streams may be open at once
   */
  public GrpcBinding(
      XdsListener listener,
      LongSupplier streamIds,
      int maxMessageBytes,
      Predicate<String> nodeAllowed,
      StreamLimits limits) {
    this(listener, streamIds, maxMessageBytes, nodeAllowed, limits, new RefusedNodeLog());
  }

  /** The same, logging refused node ids in {@code refusedNodes} (shared with REST polling). */
  GrpcBinding(
      XdsListener listener,
      LongSupplier streamIds,
      int maxMessageBytes,
      Predicate<String> nodeAllowed,
      StreamLimits limits,
      RefusedNodeLog refusedNodes) {
    this.refusedNodes = refusedNodes;
    this.listener = XdsListener.guarded(listener);
    this.streamIds = streamIds;
    this.maxMessageBytes = maxMessageBytes;
    this.nodeAllowed = nodeAllowed;
    this.limits = limits;
  }

  /**
   * Registers {@code service/method} on {@code server}. The executor a stream's state machine is
   * given runs tasks on the stream's event loop, in the order they were handed over from any one
   * thread, batched with the other streams of that loop ({@link LoopBatches}).
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
    RequestParser<Q> parser = new RequestParser<>(prototype);
    ServiceMethod<Inbound<Q>, R> serviceMethod =
        ServiceMethod.server(
            ServiceName.create(service),
            method,
            GrpcMessageEncoder.encoder(),
            decoder(prototype, parser));
    server.callHandler(serviceMethod, call -> open(call, mode, parser, factory));
  }

  private <Q extends Message, R> void open(
      GrpcServerRequest<Inbound<Q>, R> call,
      String mode,
      RequestParser<Q> parser,
      StreamFactory<Q, R> factory) {
    HttpConnection connection = call.connection();
    String refused = admit(connection);
    if (refused != null) {
      refusedStreams.warn(
          "refused xDS stream ({0}) from {1}: {2}", mode, connection.remoteAddress(), refused);
      call.response().status(GrpcStatus.RESOURCE_EXHAUSTED).statusMessage(refused).end();
      return;
    }
    Context context = Vertx.currentContext();
    long id = streamIds.getAsLong();
    BoundCall<Q, R> bound = new BoundCall<>(this, mode, call, parser, context, id);
    ProtocolStream<Q> stream = factory.open(id, bound, loops.current(context));
    listener.streamOpened(id, mode);
    bound.attach(stream);
    open.add(bound);
    if (goingAway != null) {
      // Opened while shutting down (raced the GOAWAY): the client retries elsewhere.
      open.remove(bound);
      bound.shutDown(goingAway);
      return;
    }
    bound.start();
  }

  boolean nodeAllowed(String node) {
    return nodeAllowed.test(node);
  }

  void refused(String node, String what, String from) {
    refusedNodes.refused(node, what, from);
  }

  int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** {@code call} ended, whichever way: its place is given back and it is no longer open. */
  void released(BoundCall<?, ?> call, HttpConnection connection) {
    open.remove(call);
    release(connection);
  }

  /**
   * Takes a place for a new stream on {@code connection}, or says which limit refuses it (and takes
   * nothing). Any thread: the counters are atomic, and a place taken then given back on refusal
   * never lets the count pass a limit.
   */
  private String admit(HttpConnection connection) {
    if (streams.incrementAndGet() > limits.total()) {
      streams.decrementAndGet();
      return "more than limits.maxStreams " + limits.total() + " xDS streams open";
    }
    AtomicInteger onConnection =
        streamsByConnection.compute(
            connection,
            (c, n) -> {
              AtomicInteger count = n == null ? new AtomicInteger() : n;
              count.incrementAndGet();
              return count;
            });
    if (onConnection.get() > limits.perConnection()) {
      release(connection);
      return "more than limits.maxStreamsPerConnection "
          + limits.perConnection()
          + " xDS streams open on this connection";
    }
    return null;
  }

  private void release(HttpConnection connection) {
    streamsByConnection.computeIfPresent(connection, (c, n) -> n.decrementAndGet() == 0 ? null : n);
    streams.decrementAndGet();
  }

  /** Streams open now (holding a place under the limits); for tests and metrics. */
  public int openStreams() {
    return streams.get();
  }

  /**
   * Ends every open stream with UNAVAILABLE and {@code reason}, each on its own context, and from
   * now on ends new streams the same way at once. Called once on shutdown; any thread.
   *
   * @return how many streams were open
   */
  public int goAway(String reason) {
    goingAway = reason;
    int n = 0;
    for (BoundCall<?, ?> call : open) {
      if (open.remove(call)) {
        call.goAway(reason);
        n++;
      }
    }
    return n;
  }

  /** The {@code node.id} of a discovery request (SotW or delta), or empty. */
  static String nodeIdOf(Message request) {
    FieldDescriptor node = request.getDescriptorForType().findFieldByName("node");
    if (node == null || !request.hasField(node)) {
      return "";
    }
    Message n = (Message) request.getField(node);
    FieldDescriptor id = n.getDescriptorForType().findFieldByName("id");
    return id == null ? "" : (String) n.getField(id);
  }

  /**
   * Decodes without throwing: Vert.x answers a decoding failure by resetting the HTTP/2 stream,
   * which the client sees as CANCELLED with no reason; this lets the stream end with
   * INVALID_ARGUMENT and a description instead. Protobuf requests are left in their bytes for the
   * stream's {@link RequestParser}.
   */
  private static <Q extends Message> GrpcMessageDecoder<Inbound<Q>> decoder(
      Q prototype, RequestParser<Q> parser) {
    GrpcMessageDecoder<Q> vertxDecoder = GrpcMessageDecoder.decoder(prototype.newBuilderForType());
    return new GrpcMessageDecoder<>() {
      @Override
      public Inbound<Q> decode(GrpcMessage message) {
        if (message.format() == WireFormat.PROTOBUF) {
          return new Inbound<>(null, message.payload(), null);
        }
        try {
          return new Inbound<>(vertxDecoder.decode(message), null, null);
        } catch (CodecException e) {
          return new Inbound<>(null, null, parser.failure(e.getCause() == null ? e : e.getCause()));
        }
      }

      @Override
      public boolean accepts(WireFormat format) {
        return vertxDecoder.accepts(format);
      }
    };
  }
}
