package io.loadeds.xds;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.LimitsConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.SnapshotCache;
import io.loadeds.transport.LoadEdsServer;
import io.loadeds.transport.NetworkTransports;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real server on 127.0.0.1 and a free port, built by the production wiring, with the channels
 * opened to it. {@link #close} stops everything it started.
 */
public final class TestServer implements AutoCloseable {
  private final Vertx vertx;
  private final LoadEdsServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private TestServer(Vertx vertx, LoadEdsServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** A server with one event loop and weight changes pushed at once. */
  public static TestServer start() {
    return start(
        1, XdsConfig.defaults().withWeightCoalesceWindow(Duration.ZERO).withWarmUp(Duration.ZERO));
  }

  public static TestServer start(int eventLoops, XdsConfig xds) {
    return start(eventLoops, xds, LimitsConfig.defaults());
  }

  public static TestServer start(int eventLoops, XdsConfig xds, LimitsConfig limits) {
    return start(
        ServerConfig.defaults()
            .withHttp(
                HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(eventLoops))
            .withXds(xds)
            .withLimits(limits));
  }

  /**
   * A server with {@code config} (which should bind 127.0.0.1 and port 0), on the Vert.x {@code
   * main} would build for it, network transport included.
   */
  public static TestServer start(ServerConfig config) {
    Vertx vertx = LoadEdsServer.vertx(config);
    try {
      LoadEdsServer server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await();
      return new TestServer(vertx, server);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /** The network transport the server runs on, as its start log line names it. */
  public String transport() {
    return NetworkTransports.nameOf(vertx);
  }

  public int port() {
    return server.port();
  }

  public Registry registry() {
    return server.registry();
  }

  public SnapshotCache resources() {
    return server.resources();
  }

  public XdsCounters xdsCounters() {
    return server.xdsCounters();
  }

  /** A new plaintext HTTP/2 channel (a new connection) to the server. */
  public ManagedChannel channel() {
    ManagedChannel ch =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port(), InsecureChannelCredentials.create())
            .build();
    channels.add(ch);
    return ch;
  }

  /** Registers {@code cluster/id} on 127.0.0.1:{@code port} with capacity 10, idle. */
  public void register(String cluster, String id, int port) {
    registry()
        .register(new EndpointKey(cluster, id), Registration.of("127.0.0.1", port).withLoad(10, 0));
  }

  /** Reports the number of active streams of an endpoint. */
  public void active(String cluster, String id, int active) {
    registry().report(new EndpointKey(cluster, id), LoadReport.active(active));
  }

  /** Waits (at most 5 s) until the cache has published the assignment of {@code cluster}. */
  public void awaitPublished(String cluster) {
    await(() -> resources().get(ResourceType.ENDPOINT, cluster).isPresent(), cluster);
  }

  /** Waits (at most 5 s) until the published assignment of {@code cluster} has n endpoints. */
  public void awaitEndpoints(String cluster, int n) {
    await(
        () -> published(cluster).map(cla -> Responses.ports(cla).size()).orElse(-1) == n,
        n + " endpoints in " + cluster);
  }

  /** Waits (at most 5 s) until the published assignment of {@code cluster} drops all traffic. */
  public void awaitDropping(String cluster) {
    await(
        () -> published(cluster).map(c -> c.getPolicy().getDropOverloadsCount() > 0).orElse(false),
        cluster + " to drop all traffic");
  }

  private Optional<ClusterLoadAssignment> published(String cluster) {
    return resources()
        .get(ResourceType.ENDPOINT, cluster)
        .map(r -> Responses.unpack(r.body(), ClusterLoadAssignment.class));
  }

  /** Polls {@code condition} for at most 5 s. */
  public static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  @Override
  public void close() throws Exception {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    for (ManagedChannel ch : channels) {
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
    server.close().transform(ar -> vertx.close()).await(10, TimeUnit.SECONDS);
  }
}
