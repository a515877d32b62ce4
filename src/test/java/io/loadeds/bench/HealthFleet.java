package io.loadeds.bench;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * N open {@code grpc.health.v1.Health/Watch} streams laid out like a {@link Fleet} (one HTTP/2
 * connection per {@value Fleet#STREAMS_PER_CHANNEL} streams, same channel settings). A Watch stream
 * stays open and idle after its first answer, and the server keeps next to nothing for it beyond
 * what its gRPC transport keeps for any stream, so the heap it adds per stream is the transport's
 * share of an xDS stream's heap. Callbacks run on gRPC's threads; the counters are atomic.
 */
final class HealthFleet implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ClientCallStreamObserver<HealthCheckRequest>> calls = new ArrayList<>();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final int n;

  /** Opens {@code n} Watch streams of the overall server status ({@code service = ""}). */
  HealthFleet(int port, int n) {
    this.n = n;
    for (int i = 0; i < n; i++) {
      if (i % Fleet.STREAMS_PER_CHANNEL == 0) {
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .directExecutor()
                .maxInboundMessageSize(64 << 20)
                .build());
      }
      HealthGrpc.newStub(channels.get(channels.size() - 1))
          .watch(HealthCheckRequest.getDefaultInstance(), new Watch());
    }
  }

  /** Waits until every stream has its first status; false on timeout or a failed stream. */
  boolean awaitAnswered(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (answered.get() < n) {
      if (System.currentTimeMillis() > deadline || failure.get() != null) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  String failure() {
    return failure.get() == null ? answered.get() + " of " + n + " answered" : failure.get();
  }

  @Override
  public void close() throws InterruptedException {
    synchronized (calls) {
      calls.forEach(c -> c.cancel("bench done", null));
    }
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private final class Watch
      implements ClientResponseObserver<HealthCheckRequest, HealthCheckResponse> {
    private boolean first = true; // confined: one gRPC callback at a time per call

    @Override
    public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> call) {
      synchronized (calls) {
        calls.add(call);
      }
    }

    @Override
    public void onNext(HealthCheckResponse status) {
      if (first) {
        first = false;
        answered.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable t) {
      failure.compareAndSet(null, "health watch failed: " + t);
    }

    @Override
    public void onCompleted() {
      failure.compareAndSet(null, "health watch completed by the server");
    }
  }
}
