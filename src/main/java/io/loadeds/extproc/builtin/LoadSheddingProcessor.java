package io.loadeds.extproc.builtin;

import com.google.protobuf.Value;
import io.loadeds.extproc.ClusterLoad;
import io.loadeds.extproc.Exchange;
import io.loadeds.extproc.ImmediateReply;
import io.loadeds.extproc.Phase;
import io.loadeds.extproc.PhaseContext;
import io.loadeds.extproc.Processor;
import io.loadeds.extproc.ProcessorEnvironment;
import io.loadeds.extproc.ProcessorFactory;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.Endpoint;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code load-shedding}: before Envoy picks an upstream, answers 503 with {@code Retry-After} (gRPC
 * clients get UNAVAILABLE) when the request's LoadEDS cluster has no admitted endpoint; otherwise
 * tells the client the cluster's spare capacity in {@value #SPARE_HEADER} on the response.
 *
 * <p>The cluster is named by, in this order: the request header {@code extProc.clusterHeader}; the
 * same key in the stream's gRPC metadata (a route's {@code ExtProcPerRoute} {@code
 * grpc_initial_metadata}); the route's metadata {@code filter_metadata["io.loadeds"].cluster} (the
 * {@code xds.route_metadata} attribute); the {@code xds.cluster_name} attribute (the cluster Envoy
 * routed to). Attributes come when the filter lists them in {@code request_attributes}. A request
 * naming no cluster, or one LoadEDS has no record of, passes unchanged.
 *
 * <p>Spare capacity is the sum of {@code capacity - active} over the admitted endpoints, or {@code
 * unlimited} when one of them is not load-gated. Reads the registry only through {@link
 * ClusterLoad}. Stateless and thread-safe.
 */
public final class LoadSheddingProcessor implements Processor {
  public static final String SPARE_HEADER = "x-loadeds-spare-capacity";
  public static final String CLUSTER_ATTRIBUTE = "xds.cluster_name";
  public static final String ROUTE_METADATA_ATTRIBUTE = "xds.route_metadata";
  public static final String METADATA_NAMESPACE = "io.loadeds";
  private static final String SPARE_KEY = "load-shedding.spare";

  /** Registers it as {@code load-shedding}. */
  public static final ProcessorFactory FACTORY =
      new ProcessorFactory() {
        @Override
        public String name() {
          return "load-shedding";
        }

        @Override
        public Processor create(ProcessorEnvironment env) {
          return new LoadSheddingProcessor(
              env.clusters(), env.config().clusterHeader(), env.config().retryAfterSeconds());
        }
      };

  private final ClusterLoad clusters;
  private final String clusterHeader;
  private final String retryAfter;

  /**
   * @param clusterHeader the request header naming the cluster
   * @param retryAfter the {@code Retry-After} value of the 503, in seconds
   */
  public LoadSheddingProcessor(ClusterLoad clusters, String clusterHeader, String retryAfter) {
    this.clusters = clusters;
    this.clusterHeader = clusterHeader;
    this.retryAfter = retryAfter;
  }

  @Override
  public void onRequestHeaders(PhaseContext phase) {
    Optional<String> name = clusterOf(phase.exchange());
    Optional<ClusterView> view = name.flatMap(clusters::cluster);
    if (view.isEmpty()) {
      return;
    }
    List<Endpoint> admitted = view.get().admitted();
    if (admitted.isEmpty()) {
      phase.respond(shed(name.get(), phase.exchange().isGrpc()));
      return;
    }
    phase.exchange().put(SPARE_KEY, spare(admitted));
  }

  @Override
  public void onResponseHeaders(PhaseContext phase) {
    phase.exchange().get(SPARE_KEY, String.class).ifPresent(s -> phase.setHeader(SPARE_HEADER, s));
  }

  @Override
  public Set<Phase> phases() {
    return EnumSet.of(Phase.REQUEST_HEADERS, Phase.RESPONSE_HEADERS);
  }

  private Optional<String> clusterOf(Exchange x) {
    return x.requestHeaders()
        .get(clusterHeader)
        .or(() -> x.grpcMetadata().get(clusterHeader))
        .or(() -> x.attribute(ROUTE_METADATA_ATTRIBUTE).flatMap(LoadSheddingProcessor::fromRoute))
        .or(() -> x.attributeText(CLUSTER_ATTRIBUTE))
        .map(String::strip)
        .filter(s -> !s.isEmpty());
  }

  /**
   * {@code filter_metadata["io.loadeds"].cluster} of the route's metadata, as Envoy exports the
   * message to a struct (field names as in proto or as in JSON).
   */
  private static Optional<String> fromRoute(Value metadata) {
    Value byFilter = field(metadata, "filter_metadata");
    if (byFilter == null) {
      byFilter = field(metadata, "filterMetadata");
    }
    Value cluster = field(field(byFilter, METADATA_NAMESPACE), "cluster");
    return cluster != null && cluster.hasStringValue()
        ? Optional.of(cluster.getStringValue())
        : Optional.empty();
  }

  private static Value field(Value v, String name) {
    return v == null || !v.hasStructValue() ? null : v.getStructValue().getFieldsMap().get(name);
  }

  private ImmediateReply shed(String cluster, boolean grpc) {
    String why = "cluster '" + cluster + "' has no endpoint with spare capacity";
    ImmediateReply reply =
        ImmediateReply.status(503)
            .withHeader("retry-after", retryAfter)
            .withDetails("loadeds_load_shedding");
    if (grpc) {
      // Envoy turns this into a trailers-only gRPC answer, the body becoming grpc-message.
      return reply.withGrpcStatus(14).withBody(why);
    }
    return reply
        .withHeader("content-type", "application/problem+json")
        .withBody(
            "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"detail\":\""
                + why.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\"}");
  }

  /** The spare capacity of the admitted endpoints, as the header's value. */
  static String spare(List<Endpoint> admitted) {
    long sum = 0;
    for (Endpoint e : admitted) {
      if (e.capacity() == null) {
        return "unlimited";
      }
      sum += Math.max(0, e.capacity() - e.active());
    }
    return Long.toString(sum);
  }
}
