package io.loadeds.xds.delta;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.snapshot.SnapshotCache;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real server (production wiring, {@link LoadEdsServer}) on 127.0.0.1 and a free port, with
 * weight changes pushed at once. {@link #close} stops everything it started.
 */
final class DeltaTestServer implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final LoadEdsServer server;
  private final Registry registry;
  private final SnapshotCache cache;
  private final List<ManagedChannel> channels = new ArrayList<>();

  DeltaTestServer() {
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withXds(
                XdsConfig.defaults()
                    .withWeightCoalesceWindow(Duration.ZERO)
                    .withWarmUp(Duration.ZERO));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await();
    registry = server.registry();
    cache = server.resources();
  }

  Registry registry() {
    return registry;
  }

  SnapshotCache resources() {
    return cache;
  }

  /** A new plaintext HTTP/2 channel to the server. */
  ManagedChannel channel() {
    ManagedChannel ch =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.port(), InsecureChannelCredentials.create())
            .build();
    channels.add(ch);
    return ch;
  }

  /** Registers {@code cluster/id} on 127.0.0.1:{@code port} with capacity 10, idle. */
  void register(String cluster, String id, int port) {
    registry.register(
        new EndpointKey(cluster, id), Registration.of("127.0.0.1", port).withLoad(10, 0));
  }

  /** Reports the number of active streams of an endpoint. */
  void active(String cluster, String id, int active) {
    registry.report(new EndpointKey(cluster, id), LoadReport.active(active));
  }

  @Override
  public void close() throws Exception {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
    server.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
