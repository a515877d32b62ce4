package io.loadeds.xds.sotw;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.logging.ClientText;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import io.loadeds.xds.GrpcBinding;
import io.loadeds.xds.PreparedResponse;
import io.loadeds.xds.ResponseSink;
import io.loadeds.xds.SharedStrings;
import io.loadeds.xds.Subscription;
import io.loadeds.xds.XdsListener;
import io.loadeds.xds.XdsStreamBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

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
 *   <li>Listeners and clusters go out whole in every response (a missing one is deleted); endpoint
 *       assignments and route configurations go out only when the client does not hold their
 *       current version yet, so a change to one of K watched clusters costs one assignment on the
 *       wire, not K ({@link ResourceType#fullStateOfTheWorld}). For those types a narrowed
 *       subscription is not answered: the client drops what it no longer names by itself.
 * </ul>
 */
public final class SotwStream extends XdsStreamBase<DiscoveryResponse>
    implements GrpcBinding.ProtocolStream<DiscoveryRequest> {
  /** Where responses go; implemented by the gRPC binding and by test fakes. */
  public interface Sink extends ResponseSink<DiscoveryResponse> {}

  private static final System.Logger LOG = System.getLogger(SotwStream.class.getName());

  private static final VersionedResource[] NONE = {};

  // The types asked for, in a chain: most streams ask for one or two, so no array of four.
  private TypeState types;
  private long nonces;

  /**
   * @param id stream id for logs and listeners
   * @param mode how listeners name this kind of stream, e.g. {@code sotw-ads}
   * @param onlyType the single type a per-type service serves, or {@code null} for ADS
   * @param onContext runs a task on this stream's context
   * @param maxNames how many resources the client may name for one type; a request naming more ends
   *     the stream with INVALID_ARGUMENT
   */
  public SotwStream(
      long id,
      String mode,
      ResourceSource source,
      ResourceType onlyType,
      ResponseSink<DiscoveryResponse> sink,
      Executor onContext,
      XdsListener listener,
      int maxNames) {
    super(id, mode, source, onlyType, sink, onContext, listener, maxNames);
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
    TypeState state = state(type);
    String nonce = request.getResponseNonce();
    // Nonces belong to a stream: before this stream has sent the type, a nonce (kept by a client
    // across a reconnect) cannot be stale, and ignoring it would leave the client unanswered.
    if (!nonce.isEmpty() && state.sentNonce != 0 && nonceValue(nonce) != state.sentNonce) {
      listener.staleNonce(id, nodeId, type);
      return;
    }
    if (!nonce.isEmpty() && state.awaitingAck) {
      state.awaitingAck = false;
      if (request.hasErrorDetail()) {
        state.nackedVersion = state.sentVersion;
        // What the client kept of the rejected response is unknown: send those again with the
        // next different content.
        List<VersionedResource> rejected = state.lastSent;
        state.forget(name -> rejected.stream().anyMatch(r -> r.name().equals(name)));
        LOG.log(
            System.Logger.Level.WARNING,
            "node {0} rejected {1} version {2}: {3}",
            ClientText.printable(nodeId),
            type,
            state.sentVersion,
            nackMessage(request));
        listener.nacked(id, nodeId, type, state.sentVersion, nackMessage(request));
      } else {
        state.nackedVersion = null;
        listener.acked(id, nodeId, type, state.sentVersion);
      }
      state.lastSent = List.of(); // settled: only a NACK of it needed to know what it carried
    }
    boolean first = !state.answered;
    boolean changed;
    try {
      changed = state.subscription.replace(request.getResourceNamesList());
    } catch (Subscription.TooManyNames e) {
      fail(e.getMessage());
      return;
    }
    if (changed) {
      if (!state.subscription.wildcard()) {
        // A name the client drops and names again later must be sent again then.
        state.forget(name -> !state.subscription.names().contains(name));
      }
      state.watch.subscribe(state.subscription.names(), state.subscription.wildcard());
      listener.subscribed(id, type, state.subscription.names(), state.subscription.wildcard());
    }
    if (first || changed) {
      maybeSend(state, true);
    } else {
      soon(() -> maybeSend(state, false)); // an ACK: answered with the newest state (see soon)
    }
  }

  /** Releases the watches; later calls do nothing. Safe to call more than once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (TypeState s = types; s != null; s = s.next) {
      s.watch.close();
    }
    listener.streamClosed(id, mode, nodeId);
  }

  /** The state of {@code type}, opened (with its watch) at the type's first request. */
  private TypeState state(ResourceType type) {
    for (TypeState s = types; s != null; s = s.next) {
      if (s.subscription.type() == type) {
        return s;
      }
    }
    TypeState state = new TypeState(type, types);
    state.watch = watch(type, state);
    types = state;
    return state;
  }

  private void maybeSend(TypeState state, boolean force) {
    if (state.awaitingAck) {
      return; // sent after the ACK, with whatever is newest then
    }
    if (!state.takeNotices() && !force) {
      // An ACK with no notice since the last read: the answer would be the one just ACKed. This
      // halves the reads of a change that reaches a thousand streams.
      return;
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
    ResourceType type = state.subscription.type();
    List<VersionedResource> body = prepared.resources();
    if (!type.fullStateOfTheWorld()) {
      List<VersionedResource> missing = new ArrayList<>(body.size());
      for (VersionedResource r : body) {
        if (!r.version().equals(state.heldVersion(r.name()))) {
          missing.add(r);
        }
      }
      if (missing.isEmpty() && state.answered) {
        return; // the client holds all of it already (a narrowed subscription, say)
      }
      // What was not missing, the client holds at these very versions: it now holds the whole
      // answer, which is immutable and in name order, so it is kept as it is. Anything it held
      // beyond the answer (a resource gone, a name held back) is forgotten: at worst sent again.
      state.clientHas = body.toArray(NONE); // an array: not the answer's view and list
      state.lastSent = missing;
      body = missing;
    }
    String nonce = Long.toString(++nonces);
    // Shared: the streams watching the same resources keep one instance of their version.
    String version = SharedStrings.share(prepared.version());
    // Record before sending: the ACK may race back before send() returns on some transports.
    state.sentVersion = version;
    state.sentNonce = nonces;
    state.awaitingAck = true;
    state.answered = true;
    DiscoveryResponse.Builder response =
        DiscoveryResponse.newBuilder()
            .setVersionInfo(version)
            .setTypeUrl(type.typeUrl())
            .setNonce(nonce);
    for (VersionedResource r : body) {
      response.addResources(r.body());
    }
    sink.send(response.build());
    listener.responseSent(id, nodeId, type, version, nonce);
  }

  /**
   * Per-type protocol state of this stream, which is also the type's watch (notices run {@link
   * #maybeSend}) and the subscription's source of canonical names: one object per type.
   */
  private final class TypeState extends TypeWatch implements UnaryOperator<String> {
    final Subscription subscription;
    final TypeState next; // the type asked for before this one, or null
    // EDS and RDS only: the resources the client was sent and did not reject, in name order, and
    // those the last response carried while it awaits its ACK (forgotten if the client rejects it).
    VersionedResource[] clientHas = NONE;
    List<VersionedResource> lastSent = List.of();
    ResourceSource.Watch watch;
    String sentVersion;
    long sentNonce; // 0: none sent yet
    String nackedVersion;
    boolean answered;

    TypeState(ResourceType type, TypeState next) {
      this.subscription = new Subscription(type, maxNames, this);
      this.next = next;
    }

    @Override
    protected void changed() {
      maybeSend(this, false);
    }

    /** The canonical instance of a name the client requests ({@link Subscription}). */
    @Override
    public String apply(String name) {
      return canonicalName(subscription.type(), name);
    }

    /** The version of {@code name} the client holds, or null: a binary search by name. */
    String heldVersion(String name) {
      int lo = 0;
      int hi = clientHas.length - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        VersionedResource r = clientHas[mid];
        int c = r.name().compareTo(name);
        if (c == 0) {
          return r.version();
        }
        if (c < 0) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return null;
    }

    /** Forgets that the client holds the resources whose names match (order is kept). */
    void forget(Predicate<String> names) {
      List<VersionedResource> kept = new ArrayList<>(clientHas.length);
      for (VersionedResource r : clientHas) {
        if (!names.test(r.name())) {
          kept.add(r);
        }
      }
      clientHas = kept.toArray(NONE);
    }
  }
}
