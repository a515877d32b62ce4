package io.loadeds.transport;

import io.loadeds.config.ServerConfig;
import io.loadeds.registration.RegistrationApi;
import io.loadeds.registry.Registry;
import io.loadeds.snapshot.SnapshotCache;
import io.loadeds.xds.XdsCounters;
import io.loadeds.xds.XdsServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The composition root shared by {@code Main} and the tests: builds the registry, the snapshot
 * cache and the APIs, and serves them all on one port.
 *
 * <p>The port is served by {@link io.loadeds.config.HttpConfig#eventLoops()} verticle instances,
 * one per event loop; the components they share are thread-safe (registry, cache) or stateless.
 * Lifecycle is a {@link Future} end to end: {@link #start} fails when the port cannot be bound.
 */
public final class LoadEdsServer {
  private static final System.Logger LOG = System.getLogger(LoadEdsServer.class.getName());

  private final Vertx vertx;
  private final ServerConfig config;
  private final Registry registry;
  private final SnapshotCache resources;
  private final XdsCounters xdsCounters = new XdsCounters();
  private final List<String> deployments = new ArrayList<>();
  private long reaperTimer = -1;
  private volatile int port;

  private LoadEdsServer(Vertx vertx, ServerConfig config, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.registry = new Registry(config.registry(), clock);
    this.resources = SnapshotCache.create(vertx, registry, config.xds());
  }

  /**
   * Starts a server. The future fails (and nothing keeps running) if the configuration is invalid
   * or the port cannot be bound.
   */
  public static Future<LoadEdsServer> start(Vertx vertx, ServerConfig config, Clock clock) {
    LoadEdsServer server;
    try {
      server = new LoadEdsServer(vertx, config.validate(), clock);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return server
        .deploy()
        .map(server)
        .recover(err -> server.close().transform(v -> Future.failedFuture(err)));
  }

  private Future<Void> deploy() {
    RegistrationApi api =
        new RegistrationApi(registry, resources::endpointsVersion, config.http().bodyLimitBytes());
    XdsServices xds = new XdsServices(resources, config.xds(), xdsCounters);
    // Port 0 (tests) becomes -1: Vert.x lets servers that bind the same negative port share one
    // random port, so every event loop's instance serves the port the first one got.
    int bindPort = config.http().port() == 0 ? -1 : config.http().port();
    return deployInstances(api, xds, bindPort, config.http().eventLoops())
        .onSuccess(
            v -> {
              long every = config.registry().reaperInterval().toMillis();
              reaperTimer = vertx.setPeriodic(every, id -> registry.expireLeases());
              LOG.log(
                  System.Logger.Level.INFO,
                  "LoadEDS listening on " + config.http().host() + ":" + port + " (REST and xDS)");
            });
  }

  private Future<Void> deployInstances(RegistrationApi api, XdsServices xds, int bindPort, int n) {
    return vertx
        .deployVerticle(
            () -> new HttpVerticle(config.http(), bindPort, api, xds, p -> port = p),
            new DeploymentOptions().setInstances(n))
        .map(
            id -> {
              deployments.add(id);
              return null;
            });
  }

  /** The port actually bound (useful when configured as 0). */
  public int port() {
    return port;
  }

  /** The registry behind the API. */
  public Registry registry() {
    return registry;
  }

  /** The published xDS resources. */
  public SnapshotCache resources() {
    return resources;
  }

  /** What the xDS streams of this server have done: responses, ACKs, NACKs, open streams. */
  public XdsCounters xdsCounters() {
    return xdsCounters;
  }

  /** Stops listening and the reaper; does not close the {@link Vertx} instance. */
  public Future<Void> close() {
    if (reaperTimer >= 0) {
      vertx.cancelTimer(reaperTimer);
    }
    List<Future<Void>> undeploys = new ArrayList<>();
    for (String id : deployments) {
      undeploys.add(vertx.undeploy(id));
    }
    deployments.clear();
    return Future.join(undeploys).mapEmpty();
  }
}
