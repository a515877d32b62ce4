package io.loadeds.demo.backend;

import io.loadeds.demo.math.MathGrpcService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.grpc.server.GrpcServer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The demo backend: one HttpServer (HTTP/2 cleartext, as Envoy and grpc-java connect) serving
 * {@code protobuf.Math/Max}, its {@link StreamGate}, and the {@link EdsReporter} that keeps the EDS
 * server told. The wiring shared by {@link Main} and the tests.
 *
 * <p>Start binds the port, then registers in the background: the EDS server being down never fails
 * the start. Stop (undeploy) is the SIGTERM sequence: refuse new streams, deregister, stop
 * accepting connections, and give open streams the grace period to finish. HTTP/2 connections are
 * first sent a GOAWAY that still takes every stream (see {@link #stop()}).
 *
 * <p>Threading: all state is confined to this verticle's event-loop context, where gRPC calls,
 * timers and HTTP client callbacks run. {@link #port()} and {@link #id()} may be read from any
 * thread once the deployment has succeeded.
 */
public final class BackendVerticle extends VerticleBase {

  private final BackendConfig config;
  private final String hostName;
  private final Log log = new Log();
  private StreamGate gate;
  private EdsReporter reporter;
  private HttpServer server;
  private final Set<HttpConnection> connections = new HashSet<>();
  private volatile int port;
  private volatile String id;

  /**
   * @param config the settings
   * @param hostName this machine's name, for the default id; looked up by the caller, off the event
   *     loop
   */
  public BackendVerticle(BackendConfig config, String hostName) {
    this.config = config;
    this.hostName = hostName;
  }

  @Override
  public Future<?> start() {
    gate =
        new StreamGate(
            config.capacity(),
            log,
            active -> {
              // Streams can only arrive once the port is bound, but the reporter is made just
              // after.
              if (reporter != null) {
                reporter.activeChanged(active);
              }
            });
    GrpcServer grpc = GrpcServer.server(vertx);
    HttpClient http =
        vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), poolOfOne());
    server =
        vertx.createHttpServer(
            new HttpServerOptions().setHost(config.bindHost()).setPort(config.port()));
    return server
        .requestHandler(grpc)
        .connectionHandler(
            conn -> {
              connections.add(conn);
              conn.closeHandler(v -> connections.remove(conn));
            })
        .listen()
        .onSuccess(
            bound -> {
              port = bound.actualPort();
              id = config.id() != null ? config.id() : defaultId(hostName, port);
              log.prefix(id);
              grpc.callHandler(MathGrpcService.Max, new MaxStreamHandler(id, gate));
              reporter =
                  new EdsReporter(
                      vertx,
                      http,
                      config.edsServer(),
                      new EdsReporter.Registration(
                          config.cluster(),
                          id,
                          config.address(),
                          port,
                          config.capacity(),
                          config.ttl(),
                          config.metadata()),
                      config.heartbeatInterval(),
                      log);
              log.info(
                  "listening on "
                      + config.address()
                      + ":"
                      + port
                      + " (bound to "
                      + config.bindHost()
                      + ", cluster "
                      + config.cluster()
                      + ", capacity "
                      + config.capacity()
                      + ", EDS server "
                      + config.edsServer()
                      + ")");
              reporter.start(gate.active());
            });
  }

  @Override
  public Future<?> stop() {
    gate.drain();
    log.info(
        "shutting down: deregistering, refusing new streams; "
            + gate.active()
            + " open stream(s) get up to "
            + config.grace().toMillis()
            + " ms to finish");
    Future<Void> deregistered = reporter != null ? reporter.deregister() : Future.succeededFuture();
    // A GOAWAY that still takes every stream: clients open no new ones here, and one they had
    // already begun is refused by the gate. Vert.x's shutdown alone sends a GOAWAY naming the last
    // stream it has seen; a stream the client began just before that one arrived then makes Netty
    // close the connection for a protocol error, cutting the streams that were finishing on it.
    for (HttpConnection c : connections) {
      goAway(c, Integer.MAX_VALUE);
    }
    // The grace period runs from the signal: deregistration and draining go on side by side.
    Future<Void> drained = server.shutdown(config.grace().toMillis(), TimeUnit.MILLISECONDS);
    return Future.join(deregistered, drained)
        .onComplete(
            ar -> {
              int cut = gate.active();
              log.info(cut == 0 ? "stopped" : "stopped, grace period over with " + cut + " open");
            });
  }

  /**
   * Sends a GOAWAY (NO_ERROR) naming {@code lastStreamId}; nothing on an HTTP/1.1 connection, which
   * has none (the server's shutdown closes it once its request is answered).
   */
  private static void goAway(HttpConnection c, int lastStreamId) {
    try {
      c.goAway(0, lastStreamId);
    } catch (UnsupportedOperationException http1) {
      // nothing to tell
    }
  }

  /** The bound gRPC port; 0 before the start has succeeded. */
  public int port() {
    return port;
  }

  /** The endpoint id this backend registers under; null before the start has succeeded. */
  public String id() {
    return id;
  }

  static String defaultId(String hostName, int port) {
    String suffix = "-" + port;
    String base = hostName.replaceAll("[^A-Za-z0-9._-]", "-");
    int room = 128 - suffix.length();
    return (base.length() > room ? base.substring(0, room) : base) + suffix;
  }

  private static PoolOptions poolOfOne() {
    // At most one request is in flight at a time: one connection suffices.
    return new PoolOptions().setHttp1MaxSize(1);
  }
}
