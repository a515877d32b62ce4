package io.loadeds.transport;

import io.loadeds.admin.AdminApi;
import io.loadeds.admin.CompositeXdsListener;
import io.loadeds.admin.EventFeed;
import io.loadeds.admin.GrpcHealth;
import io.loadeds.admin.Readiness;
import io.loadeds.admin.RegistryEventLog;
import io.loadeds.admin.XdsDebugState;
import io.loadeds.auth.AddressAllowList;
import io.loadeds.auth.NodeIdPolicy;
import io.loadeds.auth.RateLimiter;
import io.loadeds.auth.Tokens;
import io.loadeds.cluster.Clustering;
import io.loadeds.cluster.Replication;
import io.loadeds.config.AuthConfig;
import io.loadeds.config.ConfigException;
import io.loadeds.config.ServerConfig;
import io.loadeds.extproc.ExtProcService;
import io.loadeds.extproc.ProcessorCatalog;
import io.loadeds.extproc.ProcessorEnvironment;
import io.loadeds.lrs.LrsService;
import io.loadeds.metrics.ServerMetrics;
import io.loadeds.registration.AccessGuard;
import io.loadeds.registration.RegistrationApi;
import io.loadeds.registration.WriteCommit;
import io.loadeds.registry.Registry;
import io.loadeds.snapshot.SnapshotCache;
import io.loadeds.xds.GrpcBinding;
import io.loadeds.xds.XdsCounters;
import io.loadeds.xds.XdsServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
  private final Readiness readiness = new Readiness();
  private final XdsDebugState xdsDebug = new XdsDebugState();
  private final EventFeed events;
  private final ServerMetrics metrics;
  private final Clock clock;
  private final AccessGuard guard;
  private final LrsService lrs; // null when LRS is off
  private final ExtProcService extProc;
  private final List<String> deployments = new ArrayList<>();
  private long reaperTimer = -1;
  private volatile XdsServices xds; // set by deploy(), read by close()
  private volatile int port;
  // Only with cluster.enabled; its type names no Hazelcast class, so a lone server loads none.
  private volatile Replication replication;

  private LoadEdsServer(Vertx vertx, ServerConfig config, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.registry = new Registry(config.registry(), config.limits(), config.load().source(), clock);
    this.guard = accessGuard(config); // reads the tokens file: a bad one fails start()
    this.resources =
        SnapshotCache.create(vertx, registry, config.xds(), config.load().lrsEnabled());
    this.clock = clock;
    this.metrics = new ServerMetrics(registry);
    this.lrs =
        config.load().lrsEnabled()
            ? new LrsService(registry, config.load(), clock, metrics.meters())
            : null;
    this.events = new EventFeed(clock);
    // Resolves extProc.processors now: an unknown name fails start() as a configuration error.
    this.extProc =
        new ExtProcService(
            ProcessorCatalog.chain(
                new ProcessorEnvironment(registry::cluster, config.extProc(), clock)));
    RegistryEventLog eventLog = new RegistryEventLog();
    registry.addListener(metrics::onRegistryEvent);
    registry.addListener(events::onRegistryEvent);
    registry.addListener(eventLog::onRegistryEvent);
  }

  /**
   * The options of the {@link Vertx} a server runs on: as many event loops as serve the port
   * ({@link io.loadeds.config.HttpConfig#eventLoops()}), no more. Vert.x's default (twice the
   * cores) would put the snapshot cache on a loop of its own, so every change would cross three
   * threads from the REST handler to a stream; with this, the cache shares a loop with one of the
   * port's instances, and the streams and writes on that loop reach it without a thread hop.
   */
  public static VertxOptions vertxOptions(ServerConfig config) {
    return new VertxOptions().setEventLoopPoolSize(config.http().eventLoops());
  }

  /**
   * A Vert.x for a lone (not clustered) server: {@link #vertxOptions} on the network transport
   * {@code http.transport} names ({@link NetworkTransports}). {@code main} and the tests' servers
   * are built on it, so the tests run on the transport users get.
   *
   * @throws io.loadeds.config.ConfigException if it names a native transport that cannot load here
   */
  public static Vertx vertx(ServerConfig config) {
    return Vertx.builder()
        .with(vertxOptions(config))
        .withTransport(NetworkTransports.select(config.http().transport()))
        .build();
  }

  /**
   * Starts a server. The future fails (and nothing keeps running) with a {@link ConfigException} if
   * the configuration is invalid (a bad value, a tokens file that is missing, unreadable or
   * malformed, a bad allow-list range, a PEM file that cannot be parsed), or with the cause if the
   * port cannot be bound.
   */
  public static Future<LoadEdsServer> start(Vertx vertx, ServerConfig config, Clock clock) {
    LoadEdsServer server;
    try {
      ServerConfig valid = config.validate();
      HttpVerticle.checkTls(vertx, valid.tls());
      server = new LoadEdsServer(vertx, valid, clock);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    } catch (IllegalArgumentException e) {
      // A record's own check (programmatic configs do not pass through ConfigLoader).
      return Future.failedFuture(new ConfigException(e.getMessage(), e));
    }
    return server
        .joinCluster()
        .compose(v -> server.deploy())
        .map(server)
        .recover(err -> server.close().transform(v -> Future.failedFuture(err)));
  }

  /**
   * A clustered replica takes the cluster's records before it serves (see io.loadeds.cluster); a
   * lone server has nothing to do here.
   */
  private Future<Void> joinCluster() {
    if (!config.cluster().enabled()) {
      return Future.succeededFuture();
    }
    return Clustering.join(
            vertx,
            registry,
            new Clustering.WarmUp(config.xds().warmUp(), resources::skipWarmUp),
            metrics.meterRegistry(),
            clock,
            config.registry().expiredRetention())
        .onSuccess(r -> replication = r)
        .mapEmpty();
  }

  private Future<Void> deploy() {
    Replication cluster = replication;
    RegistrationApi api =
        new RegistrationApi(
            registry,
            resources::endpointsVersion,
            config.http().bodyLimitBytes(),
            guard,
            cluster == null ? WriteCommit.LOCAL : cluster.commits());
    AdminApi admin = new AdminApi(registry, readiness, xdsDebug, events, clock);
    if (cluster != null) {
      admin.showCluster(cluster::debug);
    }
    xds =
        new XdsServices(
            resources,
            config.xds(),
            new CompositeXdsListener(List.of(xdsCounters, metrics.xdsListener(), xdsDebug)),
            new NodeIdPolicy(config.auth().allowedNodeIds()),
            new GrpcBinding.StreamLimits(
                config.limits().maxStreamsPerConnection(), config.limits().maxStreams()));
    HttpVerticle.Services services =
        new HttpVerticle.Services(
            api,
            xds,
            admin,
            metrics,
            new GrpcHealth(readiness, healthNames()),
            lrs,
            extProc,
            new OtherStreamLimit(
                config.limits().maxOtherStreams(),
                Set.of(GrpcHealth.SERVICE, ExtProcService.SERVICE),
                Set.of(GrpcHealth.CHECK_PATH)));
    // Port 0 (tests) becomes -1: Vert.x lets servers that bind the same negative port share one
    // random port, so every event loop's instance serves the port the first one got.
    int bindPort = config.http().port() == 0 ? -1 : config.http().port();
    return deployInstances(services, bindPort, config.http().eventLoops())
        .onSuccess(
            v -> {
              // Not ready until the warm-up is over: until then a fresh instance would hold its
              // answers for clusters whose backends have not re-registered yet.
              readiness.warming();
              resources.warmedUp().onSuccess(w -> readiness.ready());
              long every = config.registry().reaperInterval().toMillis();
              // Clustered, every replica ticks but only the oldest member expires leases.
              reaperTimer =
                  vertx.setPeriodic(
                      every,
                      id -> {
                        if (cluster == null) {
                          registry.expireLeases();
                        } else {
                          cluster.reap();
                        }
                      });
              if (lrs != null) {
                lrs.start(vertx);
              }
              LOG.log(
                  System.Logger.Level.INFO,
                  "LoadEDS listening on "
                      + config.http().host()
                      + ":"
                      + port
                      + " (REST and xDS"
                      + (config.tls().mutual()
                          ? ", mutual TLS"
                          : config.tls().enabled() ? ", TLS" : "")
                      + ", "
                      + NetworkTransports.nameOf(vertx)
                      + " transport)");
            });
  }

  /** The gRPC services the health service answers for: xDS, LRS when it is on, ext_proc. */
  private Set<String> healthNames() {
    Set<String> names = new HashSet<>(XdsServices.serviceNames());
    if (lrs != null) {
      names.add(LrsService.SERVICE);
    }
    names.addAll(extProc.healthNames());
    return Set.copyOf(names);
  }

  /** The LRS service, or null when LRS is off ({@code load.lrs}, {@code load.source}). */
  public LrsService lrs() {
    return lrs;
  }

  /** Tokens (the tokens file is read here, at start), allow-list and rate limit of the REST API. */
  private static AccessGuard accessGuard(ServerConfig config) {
    AuthConfig auth = config.auth();
    return new AccessGuard(
        Tokens.load(auth.token(), auth.tokensFile()),
        auth.protectReads(),
        AddressAllowList.of(auth.allowedAddresses()),
        new RateLimiter(config.limits().registrationsPerSecondPerClient(), System::nanoTime));
  }

  private Future<Void> deployInstances(HttpVerticle.Services services, int bindPort, int n) {
    return vertx
        .deployVerticle(
            () ->
                new HttpVerticle(
                    config.http(),
                    config.tls(),
                    config.limits().maxStreamsPerConnection(),
                    bindPort,
                    services,
                    p -> port = p),
            new DeploymentOptions().setInstances(n))
        .map(
            id -> {
              deployments.add(id);
              return null;
            });
  }

  /** The Envoy external processing service (ext_proc). */
  public ExtProcService extProc() {
    return extProc;
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

  /** The server's meters (what {@code /metrics} serves). */
  public ServerMetrics metrics() {
    return metrics;
  }

  /** Whether the server is ready ({@code /readyz}, gRPC health). */
  public Readiness readiness() {
    return readiness;
  }

  /**
   * Shuts down gracefully; does not close the {@link Vertx} instance. Readiness turns to closing
   * first, so {@code /readyz} answers 503; then the port stops accepting, HTTP/2 clients are sent
   * GOAWAY, every xDS stream is ended with UNAVAILABLE (clients reconnect elsewhere at once), and
   * in-flight REST calls and ext_proc exchanges may finish within {@link
   * io.loadeds.config.HttpConfig#shutdownGrace()}. The future completes when every connection is
   * closed, at the latest after the grace.
   */
  public Future<Void> close() {
    readiness.closing();
    boolean started = reaperTimer >= 0;
    if (started) {
      vertx.cancelTimer(reaperTimer);
    }
    if (lrs != null) {
      lrs.stop(vertx);
    }
    List<Future<Void>> undeploys = new ArrayList<>();
    for (String id : deployments) {
      undeploys.add(vertx.undeploy(id));
    }
    deployments.clear();
    if (xds != null) {
      int ended = xds.goAway();
      LOG.log(
          started ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
          "LoadEDS shutting down: "
              + ended
              + " xDS stream(s) told to reconnect; in-flight requests get up to "
              + config.http().shutdownGrace());
    }
    Replication cluster = replication;
    if (cluster != null) {
      cluster.close();
    }
    return Future.join(undeploys).<Void>mapEmpty().onComplete(v -> metrics.close());
  }
}
