package io.loadeds.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.snapshot.ResourceType;
import java.io.UncheckedIOException;
import java.util.List;

/** Reading and building xDS messages in tests. */
public final class Responses {
  private Responses() {}

  /** The names of the resources in a response, in order. */
  public static List<String> names(DiscoveryResponse r) {
    return r.getResourcesList().stream().map(Responses::name).toList();
  }

  /** The load assignments in an EDS response. */
  public static List<ClusterLoadAssignment> assignments(DiscoveryResponse r) {
    return r.getResourcesList().stream().map(a -> unpack(a, ClusterLoadAssignment.class)).toList();
  }

  /** The one load assignment in an EDS response. */
  public static ClusterLoadAssignment assignment(DiscoveryResponse r) {
    List<ClusterLoadAssignment> all = assignments(r);
    if (all.size() != 1) {
      throw new AssertionError("expected one assignment, got " + names(r));
    }
    return all.get(0);
  }

  /** The ports of every endpoint of an assignment. */
  public static List<Integer> ports(ClusterLoadAssignment cla) {
    return cla.getEndpointsList().stream()
        .flatMap(l -> l.getLbEndpointsList().stream())
        .map(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .toList();
  }

  /** A first request of a stream: with the node, no version, no nonce. */
  public static DiscoveryRequest first(String nodeId, ResourceType type, String... names) {
    return DiscoveryRequest.newBuilder()
        .setNode(Node.newBuilder().setId(nodeId))
        .setTypeUrl(type.typeUrl())
        .addAllResourceNames(List.of(names))
        .build();
  }

  /** The ACK of {@code r}, naming {@code names}. */
  public static DiscoveryRequest ack(DiscoveryResponse r, String... names) {
    return DiscoveryRequest.newBuilder()
        .setTypeUrl(r.getTypeUrl())
        .setVersionInfo(r.getVersionInfo())
        .setResponseNonce(r.getNonce())
        .addAllResourceNames(List.of(names))
        .build();
  }

  /** The NACK of {@code r}: the previous accepted version, r's nonce and an error. */
  public static DiscoveryRequest nack(
      DiscoveryResponse r, String acceptedVersion, String error, String... names) {
    return DiscoveryRequest.newBuilder()
        .setTypeUrl(r.getTypeUrl())
        .setVersionInfo(acceptedVersion)
        .setResponseNonce(r.getNonce())
        .addAllResourceNames(List.of(names))
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(error))
        .build();
  }

  private static String name(Any a) {
    ResourceType type =
        ResourceType.fromTypeUrl(a.getTypeUrl())
            .orElseThrow(() -> new AssertionError("unknown type " + a.getTypeUrl()));
    return switch (type) {
      case ENDPOINT -> unpack(a, ClusterLoadAssignment.class).getClusterName();
      case CLUSTER -> unpack(a, Cluster.class).getName();
      case LISTENER -> unpack(a, Listener.class).getName();
      case ROUTE -> unpack(a, RouteConfiguration.class).getName();
    };
  }

  /** Unpacks a resource, failing the test if it is not a {@code type}. */
  public static <T extends com.google.protobuf.Message> T unpack(Any a, Class<T> type) {
    try {
      return a.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(e);
    }
  }
}
