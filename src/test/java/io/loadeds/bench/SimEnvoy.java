package io.loadeds.bench;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated Envoy: an ADS (SotW) stream with its own node, sent with every request as Envoy
 * does by default, that watches the EDS resources of some clusters and ACKs every response. Each
 * assignment received is matched to the change it reflects through the {@link ChangeLog}; a state
 * the cluster never had, or one older than a state already seen, counts as an error. Callbacks run
 * on one gRPC thread at a time (per stream).
 */
final class SimEnvoy implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private final Node node;
  private final List<String> names;
  private final ChangeLog log;
  private final AtomicLong responses;
  private final AtomicLong errors;
  private final int[] seen; // per cluster: index of the latest state seen, -1 before any
  private ClientCallStreamObserver<DiscoveryRequest> requests;
  private volatile String failure;

  /**
   * @param watched indices of the clusters to watch
   * @param log where states are looked up; null to count responses only
   */
  SimEnvoy(
      Node node,
      int[] watched,
      List<String> clusterNames,
      ChangeLog log,
      AtomicLong responses,
      AtomicLong errors) {
    this.node = node;
    this.names = Arrays.stream(watched).mapToObj(clusterNames::get).toList();
    this.log = log;
    this.responses = responses;
    this.errors = errors;
    this.seen = new int[clusterNames.size()];
    Arrays.fill(seen, -1);
  }

  void open(Channel channel) {
    AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(EDS)
            .addAllResourceNames(names)
            .build());
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requestStream) {
    this.requests = requestStream;
  }

  @Override
  public void onNext(DiscoveryResponse r) {
    long now = System.nanoTime();
    responses.incrementAndGet();
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(EDS)
            .addAllResourceNames(names)
            .setVersionInfo(r.getVersionInfo())
            .setResponseNonce(r.getNonce())
            .build());
    try {
      for (var any : r.getResourcesList()) {
        Decoded d = decode(any);
        if (d.cluster >= 0 && log == null) {
          markSeen(d.cluster);
        } else if (d.cluster >= 0) {
          advance(d.cluster, d.fingerprint, now);
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      errors.incrementAndGet();
    }
  }

  /** What the harness needs of one assignment: its cluster's index and its state's fingerprint. */
  private record Decoded(int cluster, long fingerprint) {}

  /**
   * Assignments already decoded, by their exact bytes. Every stream watching a cluster gets the
   * same bytes for the same state, so without this the harness decoded each assignment once per
   * stream, the largest part of its allocation (a young GC of its own every 0.3 s at 1000 streams),
   * on the cores the servers share. Decoding is a pure function of the bytes, so the memo is shared
   * by all streams and servers; it is emptied when it grows large.
   */
  private static final Map<ByteString, Decoded> DECODED = new ConcurrentHashMap<>();

  private static Decoded decode(Any any) throws InvalidProtocolBufferException {
    Decoded d = DECODED.get(any.getValue());
    if (d == null) {
      ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
      d = new Decoded(clusterIndex(cla.getClusterName()), ClusterModel.fingerprint(cla));
      if (DECODED.size() > 100_000) {
        DECODED.clear();
      }
      DECODED.put(any.getValue(), d);
    }
    return d;
  }

  private static int clusterIndex(String name) {
    return name.startsWith("bench-") ? Integer.parseInt(name.substring(6)) : -1;
  }

  private synchronized void markSeen(int c) {
    seen[c] = 0;
  }

  private synchronized void advance(int c, long fingerprint, long now) {
    int i = log.indexOf(c, fingerprint);
    if (i < 0 || i < seen[c]) {
      errors.incrementAndGet(); // a state never sent, or an older one after a newer
      return;
    }
    for (int k = seen[c] + 1; k <= i; k++) {
      log.get(c, k).seen(now);
    }
    seen[c] = Math.max(seen[c], i);
  }

  /** Whether this stream holds the latest state of every cluster it watches. */
  synchronized boolean upToDate() {
    if (log == null) {
      return true;
    }
    for (int c = 0; c < seen.length; c++) {
      if (seen[c] >= 0 && seen[c] != log.latest(c)) {
        return false;
      }
    }
    return true;
  }

  /** Whether every watched cluster has been received at least once. */
  synchronized int clustersSeen() {
    return (int) Arrays.stream(seen).filter(s -> s >= 0).count();
  }

  int watchedCount() {
    return names.size();
  }

  String failure() {
    return failure;
  }

  @Override
  public void onError(Throwable t) {
    failure = String.valueOf(t);
  }

  @Override
  public void onCompleted() {
    failure = "completed by the server";
  }

  void close() {
    if (requests != null) {
      requests.cancel("bench done", null);
    }
  }
}
