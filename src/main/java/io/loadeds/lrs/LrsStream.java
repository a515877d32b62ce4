package io.loadeds.lrs;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.loadeds.xds.GrpcBinding;
import io.loadeds.xds.ResponseSink;
import io.loadeds.xds.XdsListener;
import java.util.List;
import java.util.function.Supplier;

/**
 * The LRS protocol for one {@code StreamLoadStats} stream. The first request carries the client's
 * node; the server answers it with the reporting interval and what to report: every cluster ({@code
 * send_all_clusters}) when the node announces {@code envoy.lrs.supports_send_all_clusters}, which
 * gRPC clients do, else the names of the clusters published now, sent again whenever that list has
 * changed by the time a report comes in. Every request's figures go to the {@link LoadAggregator}.
 *
 * <p>Confined to the stream's context (the binding calls it there); not thread-safe.
 */
final class LrsStream implements GrpcBinding.ProtocolStream<LoadStatsRequest> {
  static final String SEND_ALL_FEATURE = "envoy.lrs.supports_send_all_clusters";

  private final long id;
  private final ResponseSink<LoadStatsResponse> sink;
  private final LoadAggregator aggregator;
  private final Supplier<List<String>> publishedClusters;
  private final XdsListener listener;
  private String node = "";
  private boolean answered;
  private boolean sendAll;
  private List<String> named = List.of();
  private boolean closed;

  /**
   * @param publishedClusters the names of the clusters published now, sorted
   * @param listener told of the node id and of the end of the stream
   */
  LrsStream(
      long id,
      ResponseSink<LoadStatsResponse> sink,
      LoadAggregator aggregator,
      Supplier<List<String>> publishedClusters,
      XdsListener listener) {
    this.listener = listener;
    this.id = id;
    this.sink = sink;
    this.aggregator = aggregator;
    this.publishedClusters = publishedClusters;
  }

  @Override
  public void onRequest(LoadStatsRequest request) {
    if (closed) {
      return;
    }
    if (!answered) {
      answered = true;
      node = request.getNode().getId();
      sendAll = request.getNode().getClientFeaturesList().contains(SEND_ALL_FEATURE);
      aggregator.opened(id, node);
      listener.nodeIdentified(id, node, "");
      respond();
    } else if (!sendAll && !publishedClusters.get().equals(named)) {
      respond(); // a cluster came or went: ask for the new list
    }
    // An empty report counts too: the client has no load to report any more.
    aggregator.report(id, node, request);
  }

  private void respond() {
    java.time.Duration every = aggregator.interval();
    LoadStatsResponse.Builder r =
        LoadStatsResponse.newBuilder()
            .setLoadReportingInterval(
                Duration.newBuilder().setSeconds(every.getSeconds()).setNanos(every.getNano()))
            // Clients that can report per endpoint should: no locality arithmetic needed then.
            .setReportEndpointGranularity(true);
    if (sendAll) {
      r.setSendAllClusters(true);
    } else {
      named = publishedClusters.get();
      r.addAllClusters(named);
    }
    sink.send(r.build());
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      aggregator.closed(id);
      listener.streamClosed(id, LrsService.MODE, node);
    }
  }

  @Override
  public String nodeId() {
    return node;
  }
}
