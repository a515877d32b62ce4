package io.loadeds.xds.delta;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.loadeds.logging.ClientText;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import io.loadeds.xds.GrpcBinding;
import io.loadeds.xds.ResponseSink;
import io.loadeds.xds.SharedStrings;
import io.loadeds.xds.Subscription;
import io.loadeds.xds.XdsListener;
import io.loadeds.xds.XdsStreamBase;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * The incremental (delta) xDS protocol for one stream (ADS, or one per-type service), independent
 * of the transport. Not thread-safe: every method runs on the stream's context; resource change
 * notices arrive on other threads and are handed to {@code onContext}.
 *
 * <p>Per type it keeps what the client holds (name → per-resource version) and wants, and sends
 * only the difference: changed resources in {@code resources}, vanished ones in {@code
 * removed_resources}. Rules, from the xDS protocol document ("Incremental xDS"):
 *
 * <ul>
 *   <li>{@code resource_names_subscribe} and {@code _unsubscribe} change the subscription with
 *       every request, also one whose nonce is stale ("the server must honor changes to the
 *       subscription state even if the nonce is stale"); such a request is just not an ACK or NACK.
 *   <li>A newly subscribed name is always answered: with the resource; with the source's
 *       placeholder (EDS: an empty assignment, so an Envoy cluster does not stay warming); or else
 *       in {@code removed_resources}, the delta protocol's "does not exist". An unsubscription is
 *       not answered, unless the wildcard still covers the name: then the client is told whether it
 *       keeps it.
 *   <li>{@code initial_resource_versions} (a type's first request) says what the client kept from
 *       an earlier stream: only what differs is sent, and names it holds that no longer exist are
 *       removed.
 *   <li>At most one response per type is un-ACKed; changes meanwhile fold into one diff, sent after
 *       the ACK or NACK. That also bounds what a slow client makes the server buffer.
 *   <li>A NACK is logged and counted; what was sent counts as held, so the rejected versions are
 *       not sent again, and the next different versions are.
 * </ul>
 */
public final class DeltaStream extends XdsStreamBase<DeltaDiscoveryResponse>
    implements GrpcBinding.ProtocolStream<DeltaDiscoveryRequest> {
  /** Where responses go; implemented by the gRPC binding and by test fakes. */
  public interface Sink extends ResponseSink<DeltaDiscoveryResponse> {}

  private static final System.Logger LOG = System.getLogger(DeltaStream.class.getName());

  private static final int TYPES = ResourceType.values().length;

  // By ResourceType ordinal, made at the first request; a null entry: the type was never asked.
  private TypeState[] types;
  private long nonces;
  private final long maxNameChars;

  /**
   * @param id stream id for logs and listeners
   * @param mode how listeners name this kind of stream, e.g. {@code delta-ads}
   * @param onlyType the single type a per-type service serves, or {@code null} for ADS
   * @param onContext runs a task on this stream's context
   * @param maxNames how many resources the client may name for one type
   * @param maxNameChars how many characters the names of one type may add up to ({@code
   *     xds.maxMessageBytes}: what a SotW client can name in one request); a request past either
   *     limit ends the stream with INVALID_ARGUMENT
   */
  public DeltaStream(
      long id,
      String mode,
      ResourceSource source,
      ResourceType onlyType,
      ResponseSink<DeltaDiscoveryResponse> sink,
      Executor onContext,
      XdsListener listener,
      int maxNames,
      long maxNameChars) {
    super(id, mode, source, onlyType, sink, onContext, listener, maxNames);
    this.maxNameChars = maxNameChars;
  }

  /** Handles one request from the client. */
  @Override
  public void onRequest(DeltaDiscoveryRequest request) {
    Optional<ResourceType> parsed =
        begin(request.hasNode() ? request.getNode() : null, request.getTypeUrl());
    if (parsed.isEmpty()) {
      return;
    }
    ResourceType type = parsed.get();
    TypeState state = state(type);
    String nonce = request.getResponseNonce();
    // As in SotW, a nonce this stream never sent for the type (kept across a reconnect) is not
    // stale; a request without a nonce is a spontaneous subscription change.
    if (!nonce.isEmpty() && state.sentNonce != 0 && nonceValue(nonce) != state.sentNonce) {
      listener.staleNonce(id, nodeId, type);
    } else if (!nonce.isEmpty() && state.awaitingAck) {
      settle(state, type, request);
    }
    boolean changed;
    try {
      changed = state.client.apply(request, source);
    } catch (Subscription.TooManyNames e) {
      fail(e.getMessage());
      return;
    }
    if (changed) {
      state.watch.subscribe(
          state.client.subscription().names(), state.client.subscription().wildcard());
      listener.subscribed(
          id, type, state.client.subscription().names(), state.client.subscription().wildcard());
      maybeSend(state, type);
    } else {
      soon(() -> maybeSend(state, type)); // an ACK: answered with the newest state (see soon)
    }
  }

  /** Releases the watches; later calls do nothing. Safe to call more than once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (types != null) {
      for (TypeState s : types) {
        if (s != null) {
          s.watch.close();
        }
      }
    }
    listener.streamClosed(id, mode, nodeId);
  }

  private void settle(TypeState state, ResourceType type, DeltaDiscoveryRequest request) {
    state.awaitingAck = false;
    if (request.hasErrorDetail()) {
      String error = nackMessage(request.getErrorDetail());
      LOG.log(
          System.Logger.Level.WARNING,
          "node {0} rejected {1} system version {2}: {3}",
          ClientText.printable(nodeId),
          type,
          state.sentVersion,
          error);
      listener.nacked(id, nodeId, type, state.sentVersion, error);
    } else {
      listener.acked(id, nodeId, type, state.sentVersion);
    }
  }

  /** The state of {@code type}, opened (with its watch) at the type's first request. */
  private TypeState state(ResourceType type) {
    if (types == null) {
      types = new TypeState[TYPES];
    }
    TypeState state = types[type.ordinal()];
    if (state == null) {
      state = new TypeState(type);
      state.watch = watch(type, state);
      types[type.ordinal()] = state;
    }
    return state;
  }

  private void maybeSend(TypeState state, ResourceType type) {
    if (state.awaitingAck) {
      return; // folded into the diff sent after the ACK
    }
    Optional<ClientState.Diff> taken = state.client.takeDiff(source);
    if (taken.isEmpty()) {
      return;
    }
    ClientState.Diff diff = taken.get();
    String nonce = Long.toString(++nonces);
    // Record before sending: the ACK may race back before send() returns on some transports.
    String version = SharedStrings.share(diff.version()); // one instance for many streams
    state.sentVersion = version;
    state.sentNonce = nonces;
    state.awaitingAck = true;
    DeltaDiscoveryResponse.Builder response =
        DeltaDiscoveryResponse.newBuilder()
            .setSystemVersionInfo(version)
            .setTypeUrl(type.typeUrl())
            .setNonce(nonce)
            .addAllRemovedResources(diff.removed());
    for (VersionedResource r : diff.resources()) {
      response.addResources(
          Resource.newBuilder().setName(r.name()).setVersion(r.version()).setResource(r.body()));
    }
    sink.send(response.build());
    listener.responseSent(id, nodeId, type, version, nonce);
  }

  /**
   * Per-type protocol state of this stream, which is also the type's watch and the source of
   * canonical names of its client state: one object per type.
   */
  private final class TypeState extends TypeWatch implements UnaryOperator<String> {
    final ResourceType type;
    final ClientState client;
    ResourceSource.Watch watch;
    String sentVersion;
    long sentNonce; // 0: none sent yet

    TypeState(ResourceType type) {
      this.type = type;
      this.client = new ClientState(type, maxNames, maxNameChars, this);
    }

    /** Records the names on the notifying thread; the diff is taken on the context. */
    @Override
    protected void noticed(Set<String> changed) {
      client.noticed(changed);
    }

    @Override
    protected void changed() {
      maybeSend(this, type);
    }

    @Override
    public String apply(String name) {
      return canonicalName(type, name);
    }
  }
}
