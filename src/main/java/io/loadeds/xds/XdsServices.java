package io.loadeds.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.rest.RestDiscovery;
import io.loadeds.xds.sotw.SotwStream;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Binds the xDS protocol state machines to Vert.x: the gRPC services (ADS and the per-type
 * services, state of the world) and Envoy's REST polling routes. Stateless apart from a stream
 * counter; one instance is shared by all event loops, each of which builds its own {@link
 * GrpcServer} with {@link #grpcServer}. Each stream runs on the context of the connection that
 * opened it.
 */
public final class XdsServices {
  private static final System.Logger LOG = System.getLogger(XdsServices.class.getName());

  /** A SotW service: its gRPC name and method, and the one type it serves (null for ADS). */
  private record SotwService(String service, String method, ResourceType only, String mode) {}

  private static final SotwService[] SOTW = {
    new SotwService(
        "envoy.service.discovery.v3.AggregatedDiscoveryService",
        "StreamAggregatedResources",
        null,
        "sotw-ads"),
    new SotwService(
        "envoy.service.endpoint.v3.EndpointDiscoveryService",
        "StreamEndpoints",
        ResourceType.ENDPOINT,
        "sotw-eds"),
    new SotwService(
        "envoy.service.cluster.v3.ClusterDiscoveryService",
        "StreamClusters",
        ResourceType.CLUSTER,
        "sotw-cds"),
    new SotwService(
        "envoy.service.listener.v3.ListenerDiscoveryService",
        "StreamListeners",
        ResourceType.LISTENER,
        "sotw-lds"),
    new SotwService(
        "envoy.service.route.v3.RouteDiscoveryService",
        "StreamRoutes",
        ResourceType.ROUTE,
        "sotw-rds"),
  };

  private final ResourceSource source;
  private final XdsConfig config;
  private final XdsListener listener;
  private final RestDiscovery rest;
  private final AtomicLong streamIds = new AtomicLong();

  public XdsServices(ResourceSource source, XdsConfig config, XdsListener listener) {
    this.source = source;
    this.config = config;
    this.listener = listener;
    this.rest = new RestDiscovery(source);
  }

  /** A gRPC server (for the calling verticle's context) with every xDS service registered. */
  public GrpcServer grpcServer(Vertx vertx) {
    GrpcServer server =
        GrpcServer.server(
            vertx, new GrpcServerOptions().setMaxMessageSize(config.maxMessageBytes()));
    for (SotwService s : SOTW) {
      ServiceMethod<DiscoveryRequest, DiscoveryResponse> method =
          ServiceMethod.server(
              ServiceName.create(s.service()),
              s.method(),
              GrpcMessageEncoder.encoder(),
              GrpcMessageDecoder.decoder(DiscoveryRequest.newBuilder()));
      server.callHandler(method, call -> openSotw(call, s));
    }
    return server;
  }

  /** Adds Envoy's REST polling routes, {@code POST /v3/discovery:<type>}. */
  public void mountRest(Router router, int bodyLimitBytes) {
    router
        .postWithRegex("/v3/discovery:([a-z]+)")
        .handler(BodyHandler.create(false).setBodyLimit(bodyLimitBytes))
        .handler(
            ctx -> {
              RestDiscovery.Result r = rest.handle(ctx.pathParam("param0"), ctx.body().asString());
              ctx.response().setStatusCode(r.status()).putHeader("content-type", r.contentType());
              ctx.response().end(r.body());
            });
  }

  private void openSotw(
      GrpcServerRequest<DiscoveryRequest, DiscoveryResponse> call, SotwService s) {
    Context context = Vertx.currentContext();
    GrpcServerResponse<DiscoveryRequest, DiscoveryResponse> response = call.response();
    long id = streamIds.incrementAndGet();
    SotwStream stream =
        new SotwStream(
            id,
            source,
            s.only(),
            new SotwStream.Sink() {
              @Override
              public void send(DiscoveryResponse r) {
                response.write(r);
              }

              @Override
              public void fail(int grpcStatus, String description) {
                response.status(GrpcStatus.valueOf(grpcStatus)).statusMessage(description).end();
              }
            },
            task -> context.runOnContext(v -> task.run()),
            listener);
    listener.streamOpened(id, s.mode());
    call.handler(stream::onRequest);
    call.endHandler(
        v -> {
          stream.close();
          response.end();
        });
    call.exceptionHandler(
        err -> {
          LOG.log(
              System.Logger.Level.DEBUG,
              "xDS stream " + id + " of " + stream.nodeId() + " ended: " + err);
          stream.close();
        });
    call.errorHandler(err -> stream.close());
  }
}
