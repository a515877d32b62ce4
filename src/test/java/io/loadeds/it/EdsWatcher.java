package io.loadeds.it;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.loadeds.snapshot.ResourceType;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One simulated Envoy for multi-process tests: a raw grpc-java state-of-the-world ADS stream with
 * its own node id that subscribes to the load assignments of some clusters, ACKs every response
 * with its whole subscription, and keeps what it now holds of each cluster as an {@link
 * AssignmentShape}.
 *
 * <p>A SotW EDS response carries only the assignments the client does not hold yet, so each one
 * replaces that cluster's entry and the others stay, as in Envoy's SotW mux. Every response is
 * checked: a fresh non-empty nonce, a version, the EDS type, only subscribed names; the first
 * violation, or the stream's end, is kept as {@link #failure()}.
 *
 * <p>Threading: gRPC calls the observer methods one at a time for this stream; the test thread
 * reads {@link #holds}, {@link #responses} and {@link #failure} meanwhile, so what they read is
 * concurrent or volatile.
 */
final class EdsWatcher implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
  private static final String EDS = ResourceType.ENDPOINT.typeUrl();

  private final Node node;
  private final List<String> names;
  private final Map<String, AssignmentShape> held = new ConcurrentHashMap<>();
  private final Map<String, ClusterLoadAssignment> latest = new ConcurrentHashMap<>();
  private final Set<String> nonces = new HashSet<>(); // confined to the gRPC callbacks
  private volatile long responses;
  private volatile String failure;
  private ClientCallStreamObserver<DiscoveryRequest> requests;

  private EdsWatcher(String nodeId, List<String> names) {
    this.node = Node.newBuilder().setId(nodeId).setCluster("load-it").build();
    this.names = List.copyOf(names);
  }

  /** Opens the stream on {@code channel} and subscribes to {@code names}. */
  static EdsWatcher open(Channel channel, String nodeId, List<String> names) {
    EdsWatcher w = new EdsWatcher(nodeId, names);
    AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(w);
    w.requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(w.node)
            .setTypeUrl(EDS)
            .addAllResourceNames(names)
            .build());
    return w;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requestStream) {
    this.requests = requestStream;
  }

  @Override
  public void onNext(DiscoveryResponse r) {
    String broken = check(r);
    if (broken != null) {
      fail(broken + ": " + r);
      return;
    }
    try {
      for (Any any : r.getResourcesList()) {
        ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
        held.put(cla.getClusterName(), AssignmentShape.of(cla));
        latest.put(cla.getClusterName(), cla);
      }
    } catch (InvalidProtocolBufferException e) {
      fail("undecodable assignment: " + e);
      return;
    }
    responses++; // single writer: the stream's callbacks run one at a time
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(EDS)
            .addAllResourceNames(names)
            .setVersionInfo(r.getVersionInfo())
            .setResponseNonce(r.getNonce())
            .build());
  }

  private String check(DiscoveryResponse r) {
    if (!r.getTypeUrl().equals(EDS)) {
      return "a response of another type";
    }
    if (r.getNonce().isEmpty() || !nonces.add(r.getNonce())) {
      return "an empty or repeated nonce";
    }
    if (r.getVersionInfo().isEmpty()) {
      return "no version";
    }
    for (Any any : r.getResourcesList()) {
      if (!any.getTypeUrl().equals(EDS)) {
        return "a resource of another type";
      }
    }
    return null;
  }

  /** What the stream holds of {@code cluster} now, or null before its first assignment. */
  AssignmentShape holds(String cluster) {
    return held.get(cluster);
  }

  /** The last assignment received for {@code cluster}, whole, or null before the first. */
  ClusterLoadAssignment assignment(String cluster) {
    return latest.get(cluster);
  }

  /** Responses received and ACKed so far. */
  long responses() {
    return responses;
  }

  /** Why the stream is no longer trustworthy (a broken response, or it ended), or null. */
  String failure() {
    return failure;
  }

  String nodeId() {
    return node.getId();
  }

  private void fail(String why) {
    if (failure == null) {
      failure = node.getId() + ": " + why;
    }
  }

  @Override
  public void onError(Throwable t) {
    fail("stream failed: " + t);
  }

  @Override
  public void onCompleted() {
    fail("stream completed by the server");
  }

  /** Cancels the stream; the failure it then reports is not looked at any more. */
  void cancel() {
    requests.cancel("test done", null);
  }
}
