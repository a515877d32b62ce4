package io.loadeds.transport;

import io.loadeds.admin.AdminApi;
import io.loadeds.admin.GrpcHealth;
import io.loadeds.config.ConfigException;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.TlsConfig;
import io.loadeds.extproc.ExtProcService;
import io.loadeds.lrs.LrsService;
import io.loadeds.metrics.ServerMetrics;
import io.loadeds.registration.RegistrationApi;
import io.loadeds.xds.XdsServices;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.GrpcServer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * One event loop's share of the port: an HttpServer that hands gRPC requests (by content type) to
 * the xDS services, the gRPC health service and LRS (when on), and everything else to the REST
 * router (metrics, admin, registration, xDS REST polling). Each instance builds its own router and
 * gRPC server on its own context; the components behind them are shared and thread-safe. The
 * connections it serves are kept on that context too, for the shutdown's GOAWAY.
 */
final class HttpVerticle extends VerticleBase {
  /** The shared, thread-safe components every instance serves. */
  record Services(
      RegistrationApi api,
      XdsServices xds,
      AdminApi admin,
      ServerMetrics metrics,
      GrpcHealth health,
      LrsService lrs,
      ExtProcService extProc,
      OtherStreamLimit otherStreams) {}

  // Added to limits.maxStreamsPerConnection for the HTTP/2 cap, so that xDS streams meet the limit
  // first; the streams that limit does not count (health, ext_proc) are held on a connection only
  // by this cap, and in total by limits.maxOtherStreams (OtherStreamLimit). 100 is Vert.x's own
  // cap.
  private static final long UNCOUNTED_STREAMS =
      HttpServerOptions.DEFAULT_INITIAL_SETTINGS_MAX_CONCURRENT_STREAMS;

  private final HttpConfig http;
  private final TlsConfig tls;
  private final int xdsStreamsPerConnection;
  private final int bindPort;
  private final Services services;
  private final IntConsumer boundPort;
  private HttpServer server;
  // Open connections of this instance; confined to its context, where the server calls back.
  private final Set<HttpConnection> connections = new HashSet<>();
  private boolean stopping;

  /**
   * @param xdsStreamsPerConnection {@code limits.maxStreamsPerConnection}, which the HTTP/2
   *     settings the port announces must leave room for
   */
  HttpVerticle(
      HttpConfig http,
      TlsConfig tls,
      int xdsStreamsPerConnection,
      int bindPort,
      Services services,
      IntConsumer boundPort) {
    this.http = http;
    this.tls = tls;
    this.xdsStreamsPerConnection = xdsStreamsPerConnection;
    this.bindPort = bindPort;
    this.services = services;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    FramingFaults.mount(router); // first: it answers a broken body before anything else sees it
    services.api().mountGuard(router); // first: it decides before any route runs
    services.metrics().mount(router);
    services.admin().mount(vertx, router);
    services.api().mount(router);
    services.xds().mountRest(router, http.bodyLimitBytes());
    GrpcServer grpc = services.xds().grpcServer(vertx);
    services.health().bind(grpc);
    if (services.lrs() != null) {
      services.lrs().bind(grpc, services.xds().binding(), services.xds().listener());
      services.lrs().mount(router);
    }
    services.extProc().bind(grpc);
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(http.host())
            .setPort(bindPort)
            // Envoy and grpc-java speak HTTP/2 cleartext with prior knowledge.
            .setHttp2ClearTextEnabled(true);
    // Vert.x announces 100 concurrent streams per connection. With the xDS limit at 100 as well, a
    // client's 101st stream waited in its own queue for ever instead of getting the limit's
    // RESOURCE_EXHAUSTED, and a limit above 100 was none: the limit decides, with 100 more beside.
    options
        .getInitialSettings()
        .setMaxConcurrentStreams(xdsStreamsPerConnection + UNCOUNTED_STREAMS);
    withTls(options, tls);
    server =
        vertx
            .createHttpServer(options)
            .invalidRequestHandler(FramingFaults::invalidRequest)
            .connectionHandler(this::opened)
            .requestHandler(req -> dispatch(req, grpc, router, services.otherStreams()));
    return server.listen().onSuccess(s -> boundPort.accept(s.actualPort()));
  }

  private void opened(HttpConnection connection) {
    FlushBatching.install(connection);
    if (stopping) { // accepted just before the port closed
      goAway(connection);
      return;
    }
    connections.add(connection);
    connection.closeHandler(v -> connections.remove(connection));
  }

  /**
   * Sends the connection's only GOAWAY, one that names no last stream (RFC 9113, 6.8: it still
   * takes every stream); once Netty has sent one, the server's shutdown sends none of its own.
   * Clients open no new streams after it, and a stream a client had already begun is served, or
   * refused as any is during shutdown. The GOAWAY Vert.x's shutdown sends names the last stream the
   * server has seen, and a stream the client began just before it arrived made Netty close the
   * connection, cutting the ext_proc exchanges and REST calls finishing on it ({@code
   * ExtProcShutdownTest}).
   */
  private static void goAway(HttpConnection connection) {
    try {
      connection.goAway(0, Integer.MAX_VALUE);
    } catch (UnsupportedOperationException http1) {
      // HTTP/1.1 has no GOAWAY; the shutdown closes such a connection once its request is done.
    }
  }

  /**
   * Graceful: stops accepting, sends HTTP/2 clients GOAWAY and lets in-flight requests finish for
   * at most {@link HttpConfig#shutdownGrace()}, then closes what is left.
   */
  @Override
  public Future<?> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    stopping = true;
    connections.forEach(HttpVerticle::goAway);
    return server.shutdown(http.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * With {@code tls.certFile} set, the port serves TLS only, and offers h2 and http/1.1 by ALPN
   * (gRPC clients need h2). With {@code tls.clientCaFile} set, the handshake fails for a client
   * without a certificate signed by one of those CAs. The PEM files are read when the port is
   * bound; a malformed one fails the start.
   */
  static HttpServerOptions withTls(HttpServerOptions options, TlsConfig tls) {
    if (!tls.enabled()) {
      return options;
    }
    options
        .setSsl(true)
        .setUseAlpn(true)
        .setKeyCertOptions(
            new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile()));
    if (tls.mutual()) {
      options
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaFile()))
          .setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }

  /**
   * Reads and parses the PEM files of {@code tls} as the port will, so that a malformed one fails
   * the start as a configuration error naming the setting, before anything is deployed. Blocks on
   * file reads: call it off the event loops (at start).
   *
   * @throws ConfigException naming the setting whose file cannot be used, and why
   */
  static void checkTls(Vertx vertx, TlsConfig tls) {
    if (!tls.enabled()) {
      return;
    }
    HttpServerOptions options = withTls(new HttpServerOptions(), tls);
    try {
      options.getKeyCertOptions().getKeyManagerFactory(vertx);
    } catch (Exception e) {
      throw new ConfigException(
          "tls.certFile "
              + tls.certFile()
              + " and tls.keyFile "
              + tls.keyFile()
              + " cannot be used: "
              + reason(e),
          e);
    }
    if (tls.mutual()) {
      try {
        options.getTrustOptions().getTrustManagerFactory(vertx);
      } catch (Exception e) {
        throw new ConfigException(
            "tls.clientCaFile " + tls.clientCaFile() + " cannot be used: " + reason(e), e);
      }
    }
  }

  private static String reason(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void dispatch(
      HttpServerRequest req, GrpcServer grpc, Router router, OtherStreamLimit otherStreams) {
    if (!FramingFaults.acceptable(req)) {
      return;
    }
    String type = req.getHeader("content-type");
    if (type != null && type.startsWith("application/grpc")) {
      if (otherStreams.admit(req)) {
        grpc.handle(req);
      }
    } else {
      router.handle(req);
    }
  }
}
