package io.loadeds.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.delta.DeltaStream;
import io.loadeds.xds.rest.RestDiscovery;
import io.loadeds.xds.sotw.SotwStream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The xDS endpoints of the server: every gRPC discovery service (ADS and the per-type services,
 * each state of the world and delta) and Envoy's REST polling routes. One instance is shared by all
 * event loops, each of which builds its own {@link GrpcServer} with {@link #grpcServer}; it is
 * stateless apart from a stream counter. Each stream runs on the context of its connection.
 */
public final class XdsServices {
  /**
   * One discovery service: its gRPC name, its SotW and delta methods, and the one type it serves
   * ({@code null} for ADS, which serves all).
   */
  private record Service(
      String name, String sotwMethod, String deltaMethod, ResourceType only, String mode) {}

  private static final List<Service> SERVICES =
      List.of(
          new Service(
              "envoy.service.discovery.v3.AggregatedDiscoveryService",
              "StreamAggregatedResources",
              "DeltaAggregatedResources",
              null,
              "ads"),
          new Service(
              "envoy.service.endpoint.v3.EndpointDiscoveryService",
              "StreamEndpoints",
              "DeltaEndpoints",
              ResourceType.ENDPOINT,
              "eds"),
          new Service(
              "envoy.service.cluster.v3.ClusterDiscoveryService",
              "StreamClusters",
              "DeltaClusters",
              ResourceType.CLUSTER,
              "cds"),
          new Service(
              "envoy.service.listener.v3.ListenerDiscoveryService",
              "StreamListeners",
              "DeltaListeners",
              ResourceType.LISTENER,
              "lds"),
          new Service(
              "envoy.service.route.v3.RouteDiscoveryService",
              "StreamRoutes",
              "DeltaRoutes",
              ResourceType.ROUTE,
              "rds"));

  private final ResourceSource source;
  private final XdsConfig config;
  private final XdsListener listener;
  private final RestDiscovery rest;
  private final RefusedNodeLog refusedNodes = new RefusedNodeLog();
  private final GrpcBinding binding;

  public XdsServices(ResourceSource source, XdsConfig config, XdsListener listener) {
    this(source, config, listener, node -> true, GrpcBinding.StreamLimits.none());
  }

  /**
   * @param nodeAllowed whether a gRPC stream whose first request names this node id may continue (a
   *     refused one ends with PERMISSION_DENIED), and whether a REST poll naming it is answered (a
   *     refused one gets 403)
   * @param streamLimits how many gRPC streams may be open at once; more end with RESOURCE_EXHAUSTED
   */
  public XdsServices(
      ResourceSource source,
      XdsConfig config,
      XdsListener listener,
      Predicate<String> nodeAllowed,
      GrpcBinding.StreamLimits streamLimits) {
    this.source = source;
    this.config = config;
    this.listener = XdsListener.guarded(listener);
    this.rest = new RestDiscovery(source, nodeAllowed, config.maxNamesPerSubscription());
    this.binding =
        new GrpcBinding(
            this.listener,
            new AtomicLong()::incrementAndGet,
            config.maxMessageBytes(),
            nodeAllowed,
            streamLimits,
            refusedNodes);
    warmUp();
  }

  /**
   * Loads the discovery messages' descriptors on the constructing thread, so the verticles that
   * start on event loops do not block them doing it (the resources are warmed by the cache).
   */
  private static void warmUp() {
    DiscoveryRequest.getDescriptor();
    DeltaDiscoveryRequest.getDescriptor();
  }

  /** The gRPC names of every discovery service served (for the health service). */
  public static List<String> serviceNames() {
    return SERVICES.stream().map(Service::name).toList();
  }

  /** A gRPC server (for the calling verticle's context) with every xDS service registered. */
  public GrpcServer grpcServer(Vertx vertx) {
    GrpcServer server =
        GrpcServer.server(
            vertx, new GrpcServerOptions().setMaxMessageSize(config.maxMessageBytes()));
    int maxNames = config.maxNamesPerSubscription();
    int maxNameChars = config.maxMessageBytes();
    for (Service s : SERVICES) {
      String sotw = "sotw-" + s.mode();
      binding.<DiscoveryRequest, DiscoveryResponse>bind(
          server,
          s.name(),
          s.sotwMethod(),
          DiscoveryRequest.getDefaultInstance(),
          sotw,
          (id, sink, onContext) ->
              new SotwStream(id, sotw, source, s.only(), sink, onContext, listener, maxNames));
      String delta = "delta-" + s.mode();
      binding.<DeltaDiscoveryRequest, DeltaDiscoveryResponse>bind(
          server,
          s.name(),
          s.deltaMethod(),
          DeltaDiscoveryRequest.getDefaultInstance(),
          delta,
          (id, sink, onContext) ->
              new DeltaStream(
                  id, delta, source, s.only(), sink, onContext, listener, maxNames, maxNameChars));
    }
    return server;
  }

  /**
   * The binding every xDS stream goes through, for other gRPC stream services on the port (LRS)
   * that must share its node-id restrictions, stream limits and shutdown.
   */
  public GrpcBinding binding() {
    return binding;
  }

  /** The listener told of every stream the {@link #binding} opens (it is told of their end). */
  public XdsListener listener() {
    return listener;
  }

  /**
   * Ends every open xDS stream with UNAVAILABLE (the server is shutting down) and refuses new ones
   * the same way, so clients reconnect elsewhere at once. Any thread.
   *
   * @return how many streams were ended
   */
  public int goAway() {
    return binding.goAway("server shutting down; reconnect");
  }

  /**
   * Adds Envoy's REST polling routes, {@code POST /v3/discovery:<type>}. A body that is not UTF-8,
   * not JSON or nested too deep is refused (400) before it is parsed; a poll from a node id that
   * may not connect is refused (403) and logged once per node id.
   */
  public void mountRest(Router router, int bodyLimitBytes) {
    router
        .postWithRegex("/v3/discovery:([a-z]+)")
        .handler(BodyHandler.create(false).setBodyLimit(bodyLimitBytes))
        .handler(
            ctx -> {
              RestDiscovery.Result r =
                  rest.handle(ctx.pathParam("param0"), bytes(ctx.body().buffer()));
              if (r.refusedNode() != null) {
                SocketAddress remote = ctx.request().remoteAddress();
                refusedNodes.refused(
                    r.refusedNode(),
                    "REST poll /v3/discovery:" + ctx.pathParam("param0"),
                    remote == null ? "unknown" : remote.hostAddress());
              }
              ctx.response().setStatusCode(r.status()).putHeader("content-type", r.contentType());
              if (r.status() == 503) {
                ctx.response().putHeader("retry-after", "1");
              }
              ctx.response().end(r.body());
            });
  }

  /** The body's bytes; none for a request without a body. */
  private static byte[] bytes(Buffer body) {
    return body == null ? new byte[0] : body.getBytes();
  }
}
