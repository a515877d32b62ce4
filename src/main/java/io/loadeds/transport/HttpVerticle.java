package io.loadeds.transport;

import io.loadeds.config.HttpConfig;
import io.loadeds.registration.RegistrationApi;
import io.loadeds.xds.XdsServices;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.GrpcServer;
import java.util.function.IntConsumer;

/**
 * One event loop's share of the port: an HttpServer that hands gRPC requests (by content type) to
 * the xDS services and everything else to the REST router. Each instance builds its own router and
 * gRPC server on its own context; the components behind them are shared and thread-safe.
 */
final class HttpVerticle extends VerticleBase {
  private final HttpConfig http;
  private final int bindPort;
  private final RegistrationApi api;
  private final XdsServices xds;
  private final IntConsumer boundPort;
  private HttpServer server;

  HttpVerticle(
      HttpConfig http, int bindPort, RegistrationApi api, XdsServices xds, IntConsumer boundPort) {
    this.http = http;
    this.bindPort = bindPort;
    this.api = api;
    this.xds = xds;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    api.mount(router);
    xds.mountRest(router, http.bodyLimitBytes());
    GrpcServer grpc = xds.grpcServer(vertx);
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(http.host())
            .setPort(bindPort)
            // Envoy and grpc-java speak HTTP/2 cleartext with prior knowledge.
            .setHttp2ClearTextEnabled(true);
    server = vertx.createHttpServer(options).requestHandler(req -> dispatch(req, grpc, router));
    return server.listen().onSuccess(s -> boundPort.accept(s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private static void dispatch(HttpServerRequest req, GrpcServer grpc, Router router) {
    String type = req.getHeader("content-type");
    if (type != null && type.startsWith("application/grpc")) {
      grpc.handle(req);
    } else {
      router.handle(req);
    }
  }
}
