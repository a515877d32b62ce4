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
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
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

  /**
   * A request as decoded, or why it could not be: {@code request} is null when {@code error} isn't.
   */
  private record Inbound(DiscoveryRequest request, String error) {}

  /**
   * Decodes without throwing: Vert.x answers a decoding failure by resetting the HTTP/2 stream,
   * which the client sees as CANCELLED with no reason; this lets the stream end with
   * INVALID_ARGUMENT.
   */
  private static final GrpcMessageDecoder<Inbound> DECODER =
      new GrpcMessageDecoder<>() {
        private final GrpcMessageDecoder<DiscoveryRequest> proto =
            GrpcMessageDecoder.decoder(DiscoveryRequest.newBuilder());

        @Override
        public Inbound decode(GrpcMessage message) {
          try {
            return new Inbound(proto.decode(message), null);
          } catch (CodecException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Inbound(null, "not a DiscoveryRequest: " + cause.getMessage());
          }
        }

        @Override
        public boolean accepts(WireFormat format) {
          return proto.accepts(format);
        }
      };

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
    this.listener = XdsListener.guarded(listener);
    this.rest = new RestDiscovery(source);
    warmUp();
  }

  /**
   * Loads the discovery messages' descriptors on the constructing thread, so the verticles that
   * start on event loops do not block them doing it (the resources are warmed by the cache).
   */
  private static void warmUp() {
    DiscoveryRequest.getDescriptor();
    DiscoveryResponse.getDescriptor();
  }

  /** A gRPC server (for the calling verticle's context) with every xDS service registered. */
  public GrpcServer grpcServer(Vertx vertx) {
    GrpcServer server =
        GrpcServer.server(
            vertx, new GrpcServerOptions().setMaxMessageSize(config.maxMessageBytes()));
    for (SotwService s : SOTW) {
      ServiceMethod<Inbound, DiscoveryResponse> method =
          ServiceMethod.server(
              ServiceName.create(s.service()), s.method(), GrpcMessageEncoder.encoder(), DECODER);
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

  private void openSotw(GrpcServerRequest<Inbound, DiscoveryResponse> call, SotwService s) {
    Context context = Vertx.currentContext();
    GrpcSink sink = new GrpcSink(call.response());
    long id = streamIds.incrementAndGet();
    SotwStream stream =
        new SotwStream(
            id, source, s.only(), sink, task -> context.runOnContext(v -> task.run()), listener);
    listener.streamOpened(id, s.mode());
    call.handler(
        in -> {
          if (in.error() == null) {
            stream.onRequest(in.request());
          } else {
            stream.close();
            sink.fail(GrpcStatus.INVALID_ARGUMENT.code, in.error());
          }
        });
    call.invalidMessageHandler(
        err -> {
          stream.close();
          if (err instanceof MessageSizeOverflowException big) {
            sink.fail(
                GrpcStatus.RESOURCE_EXHAUSTED.code,
                "message of "
                    + big.messageSize()
                    + " bytes exceeds xds.maxMessageBytes "
                    + config.maxMessageBytes());
          } else {
            sink.fail(GrpcStatus.INVALID_ARGUMENT.code, "invalid message: " + err.getMessage());
          }
        });
    call.endHandler(
        v -> {
          stream.close();
          sink.end();
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

  /**
   * Writes one stream's responses and ends it at most once (Vert.x throws on a write or end after
   * the end). Confined to the stream's context.
   */
  private static final class GrpcSink implements SotwStream.Sink {
    private final GrpcServerResponse<Inbound, DiscoveryResponse> response;
    private boolean ended;

    GrpcSink(GrpcServerResponse<Inbound, DiscoveryResponse> response) {
      this.response = response;
    }

    @Override
    public void send(DiscoveryResponse r) {
      if (!ended) {
        response.write(r);
      }
    }

    @Override
    public void fail(int grpcStatus, String description) {
      if (!ended) {
        ended = true;
        response.status(GrpcStatus.valueOf(grpcStatus)).statusMessage(description).end();
      }
    }

    /** Ends the stream with OK, when the client has ended its side. */
    void end() {
      if (!ended) {
        ended = true;
        response.end();
      }
    }
  }
}
