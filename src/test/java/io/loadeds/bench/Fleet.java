package io.loadeds.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * N simulated Envoys on shared channels (one HTTP/2 connection per {@value #STREAMS_PER_CHANNEL}
 * streams), each with its own node id.
 */
final class Fleet implements AutoCloseable {
  static final int STREAMS_PER_CHANNEL = 50;

  final List<SimEnvoy> envoys = new ArrayList<>();
  final AtomicLong responses = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /**
   * Opens {@code n} streams; stream {@code i} watches every cluster, or only cluster {@code i % k}
   * when {@code watchOne}; {@code nodeExtensions} shapes their nodes (see {@link EnvoyNode#of}).
   */
  Fleet(
      int port, int n, boolean watchOne, List<String> clusters, ChangeLog log, int nodeExtensions) {
    for (int i = 0; i < n; i++) {
      if (i % STREAMS_PER_CHANNEL == 0) {
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .directExecutor()
                .maxInboundMessageSize(64 << 20)
                .build());
      }
      int[] watched =
          watchOne
              ? new int[] {i % clusters.size()}
              : java.util.stream.IntStream.range(0, clusters.size()).toArray();
      SimEnvoy envoy =
          new SimEnvoy(
              EnvoyNode.of("bench-node-" + i, nodeExtensions),
              watched,
              clusters,
              log,
              responses,
              errors);
      envoys.add(envoy);
      envoy.open(channels.get(channels.size() - 1));
    }
  }

  /** How many streams watch each cluster when {@code n} streams are opened. */
  static int[] watchers(int n, boolean watchOne, int clusters) {
    int[] w = new int[clusters];
    for (int i = 0; i < n; i++) {
      if (watchOne) {
        w[i % clusters]++;
      } else {
        java.util.Arrays.setAll(w, c -> w[c] + 1);
      }
    }
    return w;
  }

  /** Waits until every stream has received every cluster it watches. */
  boolean awaitInitial(long timeoutMillis) throws InterruptedException {
    return await(
        () -> envoys.stream().allMatch(e -> e.clustersSeen() == e.watchedCount()), timeoutMillis);
  }

  /** Waits until every stream holds the latest state of its clusters. */
  boolean awaitUpToDate(long timeoutMillis) throws InterruptedException {
    return await(() -> envoys.stream().allMatch(SimEnvoy::upToDate), timeoutMillis);
  }

  long staleStreams() {
    return envoys.stream().filter(e -> !e.upToDate()).count();
  }

  long failedStreams() {
    return envoys.stream().filter(e -> e.failure() != null).count();
  }

  String firstFailure() {
    return envoys.stream().map(SimEnvoy::failure).filter(f -> f != null).findFirst().orElse("");
  }

  private boolean await(BooleanSupplier done, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline || failedStreams() > 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  @Override
  public void close() throws InterruptedException {
    envoys.forEach(SimEnvoy::close);
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
