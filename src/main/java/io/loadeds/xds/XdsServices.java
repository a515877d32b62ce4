package io.loadeds.xds;

import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceSource;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.GrpcServer;

/** STUB: the xDS services (being written). */
public final class XdsServices {
  private final ResourceSource source;
  private final XdsConfig config;

  public XdsServices(ResourceSource source, XdsConfig config) {
    this.source = source;
    this.config = config;
  }

  public GrpcServer grpcServer(Vertx vertx) {
    return GrpcServer.server(vertx);
  }

  public void mountRest(Router router) {}
}
