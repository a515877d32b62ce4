package io.loadeds.lrs;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.loadeds.testing.RecordingCall;
import java.time.Duration;

/** The client end of one LRS stream opened with grpc-java's raw stub: queues what arrives. */
final class LrsStub {
  private final RecordingCall<LoadStatsRequest, LoadStatsResponse> call = new RecordingCall<>();

  LrsStub(Channel channel) {
    LoadReportingServiceGrpc.newStub(channel).streamLoadStats(call);
  }

  /** The node of a first request; {@code sendAll} announces send_all_clusters support. */
  static Node node(String id, boolean sendAll) {
    Node.Builder n = Node.newBuilder().setId(id).setCluster("tests");
    if (sendAll) {
      n.addClientFeatures(LrsStream.SEND_ALL_FEATURE);
    }
    return n.build();
  }

  LrsStub send(LoadStatsRequest r) {
    call.requests().onNext(r);
    return this;
  }

  /** The next response, waiting at most 10 s. */
  LoadStatsResponse next() {
    return call.next(Duration.ofSeconds(10));
  }

  void assertNothingWithin(Duration wait) {
    call.assertNothingWithin(wait);
  }

  void cancel() {
    call.requests().cancel("test cancels", null);
  }

  Status awaitStatus() {
    return call.awaitStatus(Duration.ofSeconds(10));
  }
}
