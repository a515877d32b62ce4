package io.loadeds.lrs;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The client end of one LRS stream opened with grpc-java's raw stub: queues what arrives. */
final class LrsStub {
  private final BlockingQueue<LoadStatsResponse> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> closed = new CompletableFuture<>();
  private final StreamObserver<LoadStatsRequest> requests;
  private volatile ClientCallStreamObserver<LoadStatsRequest> call;

  LrsStub(Channel channel) {
    requests =
        LoadReportingServiceGrpc.newStub(channel)
            .streamLoadStats(
                new ClientResponseObserver<LoadStatsRequest, LoadStatsResponse>() {
                  @Override
                  public void beforeStart(ClientCallStreamObserver<LoadStatsRequest> s) {
                    call = s;
                  }

                  @Override
                  public void onNext(LoadStatsResponse r) {
                    received.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    closed.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    closed.complete(Status.OK);
                  }
                });
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
    requests.onNext(r);
    return this;
  }

  /** The next response, waiting at most 10 s. */
  LoadStatsResponse next() {
    LoadStatsResponse r = poll(Duration.ofSeconds(10));
    assertThat(r).as("a response (stream status: %s)", closed.getNow(null)).isNotNull();
    return r;
  }

  void assertNothingWithin(Duration wait) {
    assertThat(poll(wait)).as("an unexpected response").isNull();
  }

  void cancel() {
    call.cancel("test cancels", null);
  }

  Status awaitStatus() {
    try {
      return closed.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the stream did not end", e);
    }
  }

  private LoadStatsResponse poll(Duration wait) {
    try {
      return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
