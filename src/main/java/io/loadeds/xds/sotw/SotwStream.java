package io.loadeds.xds.sotw;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.GrpcBinding;
import io.loadeds.xds.PreparedResponse;
import io.loadeds.xds.ResponseSink;
import io.loadeds.xds.Subscription;
import io.loadeds.xds.XdsListener;
import io.loadeds.xds.XdsStreamBase;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The state-of-the-world xDS protocol for one stream (ADS, or one per-type service), independent of
 * the transport. Not thread-safe: every method runs on the stream's context; resource change
 * notices arrive on other threads and are handed to {@code onContext}.
 *
 * <p>Per type it keeps the subscription, the last response's version and nonce, and whether that
 * response still awaits its ACK or NACK. Rules, from the xDS protocol document:
 *
 * <ul>
 *   <li>The first request of a type is always answered, so a reconnecting client learns the current
 *       state even when it names an old version.
 *   <li>A request whose nonce is not the latest one sent is stale and ignored: the client has not
 *       seen the newest response yet, and its ACK of that one will carry its full subscription.
 *   <li>At most one response per type is un-ACKed; changes meanwhile fold into the newest state,
 *       sent after the ACK. That also bounds what a slow client makes the server buffer.
 *   <li>A NACK is logged and counted, and the rejected content is not sent again; the next
 *       different content is.
 * </ul>
 */
public final class SotwStream extends XdsStreamBase<DiscoveryResponse>
    implements GrpcBinding.ProtocolStream<DiscoveryRequest> {
  /** Where responses go; implemented by the gRPC binding and by test fakes. */
  public interface Sink extends ResponseSink<DiscoveryResponse> {}

  private static final System.Logger LOG = System.getLogger(SotwStream.class.getName());

  private final Map<ResourceType, TypeState> types = new EnumMap<>(ResourceType.class);
  private long nonces;

  /**
   * @param id stream id for logs and listeners
   * @param onlyType the single type a per-type service serves, or {@code null} for ADS
   * @param onContext runs a task on this stream's context
   */
  public SotwStream(
      long id,
      ResourceSource source,
      ResourceType onlyType,
      ResponseSink<DiscoveryResponse> sink,
      Executor onContext,
      XdsListener listener) {
    super(id, source, onlyType, sink, onContext, listener);
  }

  /** Handles one request from the client. */
  @Override
  public void onRequest(DiscoveryRequest request) {
    Optional<ResourceType> parsed =
        begin(request.hasNode() ? request.getNode() : null, request.getTypeUrl());
    if (parsed.isEmpty()) {
      return;
    }
    ResourceType type = parsed.get();
    TypeState state = types.computeIfAbsent(type, this::open);
    String nonce = request.getResponseNonce();
    // Nonces belong to a stream: before this stream has sent the type, a nonce (kept by a client
    // across a reconnect) cannot be stale, and ignoring it would leave the client unanswered.
    if (!nonce.isEmpty() && state.sentNonce != null && !nonce.equals(state.sentNonce)) {
      listener.staleNonce(id, nodeId, type);
      return;
    }
    if (!nonce.isEmpty() && state.awaitingAck) {
      state.awaitingAck = false;
      if (request.hasErrorDetail()) {
        state.nackedVersion = state.sentVersion;
        LOG.log(
            System.Logger.Level.WARNING,
            "node {0} rejected {1} version {2}: {3}",
            nodeId,
            type,
            state.sentVersion,
            request.getErrorDetail().getMessage());
        listener.nacked(id, nodeId, type, state.sentVersion, request.getErrorDetail().getMessage());
      } else {
        state.nackedVersion = null;
        listener.acked(id, nodeId, type, state.sentVersion);
      }
    }
    boolean first = !state.answered;
    boolean changed = state.subscription.replace(request.getResourceNamesList());
    if (changed) {
      state.watch.subscribe(state.subscription.names(), state.subscription.wildcard());
      listener.subscribed(id, type, state.subscription.names(), state.subscription.wildcard());
    }
    maybeSend(state, first || changed);
  }

  /** Releases the watches; later calls do nothing. Safe to call more than once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    types.values().forEach(s -> s.watch.close());
    listener.streamClosed(id, nodeId);
  }

  private TypeState open(ResourceType type) {
    TypeState state = new TypeState(type);
    state.watch = watch(type, changed -> {}, () -> maybeSend(state, false));
    return state;
  }

  private void maybeSend(TypeState state, boolean force) {
    if (state.awaitingAck) {
      return; // sent after the ACK, with whatever is newest then
    }
    PreparedResponse prepared = PreparedResponse.prepare(source, state.subscription);
    if (prepared.withheld()) {
      return; // warm-up: the watch wakes this stream when the names resolve or warm-up ends
    }
    if (!force && prepared.version().equals(state.sentVersion)) {
      return;
    }
    if (prepared.version().equals(state.nackedVersion)) {
      return; // the client rejected exactly this; resending would loop
    }
    String nonce = Long.toString(++nonces);
    // Record before sending: the ACK may race back before send() returns on some transports.
    state.sentVersion = prepared.version();
    state.sentNonce = nonce;
    state.awaitingAck = true;
    state.answered = true;
    sink.send(
        DiscoveryResponse.newBuilder()
            .setVersionInfo(prepared.version())
            .setTypeUrl(state.subscription.type().typeUrl())
            .setNonce(nonce)
            .addAllResources(prepared.bodies())
            .build());
    listener.responseSent(id, nodeId, state.subscription.type(), prepared.version(), nonce);
  }

  /** Per-type protocol state of this stream. */
  private static final class TypeState {
    final Subscription subscription;
    ResourceSource.Watch watch;
    String sentVersion;
    String sentNonce;
    String nackedVersion;
    boolean awaitingAck;
    boolean answered;

    TypeState(ResourceType type) {
      this.subscription = new Subscription(type);
    }
  }
}
