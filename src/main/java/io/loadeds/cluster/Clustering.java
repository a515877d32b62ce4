package io.loadeds.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.loadeds.config.ClusterConfig;
import io.loadeds.registry.Registry;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.transport.Transport;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The entry points of scale-out, the only ones the rest of the server calls, and only when {@code
 * cluster.enabled} is set: this class is what first loads Hazelcast, so a server that runs alone
 * never loads a class of it (its signatures name no Hazelcast type).
 */
public final class Clustering {
  // Held: the JDK keeps loggers weakly, and a collected one would forget its level.
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

  private Clustering() {}

  /**
   * Starts this replica's Hazelcast member and a clustered Vert.x on it, blocking the calling
   * thread (the main thread, at start) until the member joined the cluster or formed one.
   *
   * @param options the Vert.x options of a lone server ({@code LoadEdsServer.vertxOptions}), to
   *     which the event bus address is added
   * @param transport the network transport ({@code http.transport}), for the port's loops and the
   *     event bus alike
   * @throws Exception when the cluster port cannot be bound or the start takes over a minute
   */
  public static Vertx vertx(ClusterConfig config, VertxOptions options, Transport transport)
      throws Exception {
    // Hazelcast logs a page at INFO when it starts; keep its warnings, log membership ourselves.
    HAZELCAST_LOG.setLevel(Level.WARNING);
    options.getEventBusOptions().setHost(config.host()).setPort(0);
    return Vertx.builder()
        .with(options)
        .withTransport(transport)
        .withClusterManager(new HazelcastClusterManager(HazelcastSetup.config(config)))
        .buildClustered()
        .await(60, TimeUnit.SECONDS);
  }

  /**
   * This replica's warm-up, as the snapshot cache runs it.
   *
   * @param length {@code xds.warmUp}
   * @param end ends the warm-up now; idempotent, callable from any thread
   */
  public record WarmUp(Duration length, Runnable end) {}

  /**
   * Makes this server a replica: subscribes the registry to the cluster's map, then loads the
   * records the cluster holds into it, so it serves the cluster's state from its first answer. Its
   * warm-up ends with the cluster's (see {@link ClusterWarmUp}): at once when it joins a cluster
   * that has warmed up, together with the others when the whole cluster is starting.
   *
   * @param vertx a Vert.x made by {@link #vertx}
   * @param retention how long expired records stay (registry.expiredRetention): expired records and
   *     tombstones leave the map after it
   */
  public static Future<Replication> join(
      Vertx vertx,
      Registry registry,
      WarmUp warmUp,
      MeterRegistry meters,
      Clock clock,
      Duration retention) {
    if (!(vertx instanceof VertxInternal internal)
        || !(internal.clusterManager() instanceof HazelcastClusterManager manager)) {
      return Future.failedFuture(
          new IllegalStateException("cluster.enabled needs the Vert.x of Clustering.vertx"));
    }
    HazelcastInstance hz = manager.getHazelcastInstance();
    ClusterReplica replica =
        new ClusterReplica(
            hz,
            registry,
            meters,
            clock,
            retention,
            task ->
                vertx.executeBlocking(
                    () -> {
                      task.run();
                      return null;
                    },
                    false));
    return vertx
        .executeBlocking(
            () -> {
              replica.start();
              return ClusterWarmUp.remaining(hz, clock, warmUp.length());
            })
        .map(
            left -> {
              if (left.isZero()) {
                warmUp.end().run();
              } else if (left.compareTo(warmUp.length()) < 0) {
                vertx.setTimer(left.toMillis(), id -> warmUp.end().run());
              } // else: the cache's own timer ends it
              return (Replication) replica;
            })
        .onFailure(err -> replica.close());
  }
}
