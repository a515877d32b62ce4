package io.loadeds.xds.delta;

import com.google.protobuf.Any;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.Responses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Building delta requests and reading delta responses, as a client would. */
public final class DeltaMessages {
  public static final String NODE = "node-1";

  private DeltaMessages() {}

  /** A type's first request on a stream: with the node, subscribing to {@code names}. */
  public static DeltaDiscoveryRequest first(ResourceType type, String... names) {
    return reconnect(type, Map.of(), names);
  }

  /** A first request that announces what the client kept from an earlier stream. */
  public static DeltaDiscoveryRequest reconnect(
      ResourceType type, Map<String, String> held, String... names) {
    return DeltaDiscoveryRequest.newBuilder()
        .setNode(Node.newBuilder().setId(NODE))
        .setTypeUrl(type.typeUrl())
        .addAllResourceNamesSubscribe(List.of(names))
        .putAllInitialResourceVersions(held)
        .build();
  }

  /** A spontaneous request (no nonce) that subscribes to {@code names}. */
  public static DeltaDiscoveryRequest subscribe(ResourceType type, String... names) {
    return DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(type.typeUrl())
        .addAllResourceNamesSubscribe(List.of(names))
        .build();
  }

  /** A spontaneous request (no nonce) that unsubscribes from {@code names}. */
  public static DeltaDiscoveryRequest unsubscribe(ResourceType type, String... names) {
    return DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(type.typeUrl())
        .addAllResourceNamesUnsubscribe(List.of(names))
        .build();
  }

  /** The ACK of {@code r}. */
  public static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse r) {
    return DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(r.getTypeUrl())
        .setResponseNonce(r.getNonce())
        .build();
  }

  /** The NACK of {@code r}. */
  public static DeltaDiscoveryRequest nack(DeltaDiscoveryResponse r, String error) {
    return ack(r).toBuilder()
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(error))
        .build();
  }

  /** The names of the resources in a response, in order. */
  public static List<String> names(DeltaDiscoveryResponse r) {
    return r.getResourcesList().stream().map(Resource::getName).toList();
  }

  /** The resources of a response, name to version, in order. */
  public static Map<String, String> versions(DeltaDiscoveryResponse r) {
    Map<String, String> out = new LinkedHashMap<>();
    r.getResourcesList().forEach(res -> out.put(res.getName(), res.getVersion()));
    return out;
  }

  /** The assignment named {@code name} in an EDS response. */
  public static ClusterLoadAssignment assignment(DeltaDiscoveryResponse r, String name) {
    return r.getResourcesList().stream()
        .filter(res -> res.getName().equals(name))
        .map(res -> Responses.unpack(res.getResource(), ClusterLoadAssignment.class))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no assignment " + name + " in " + names(r)));
  }

  /** The name inside a packed resource. */
  public static String innerName(Any a) {
    ResourceType type =
        ResourceType.fromTypeUrl(a.getTypeUrl())
            .orElseThrow(() -> new AssertionError("unknown type " + a.getTypeUrl()));
    return switch (type) {
      case ENDPOINT -> Responses.unpack(a, ClusterLoadAssignment.class).getClusterName();
      case CLUSTER -> Responses.unpack(a, Cluster.class).getName();
      case LISTENER -> Responses.unpack(a, Listener.class).getName();
      case ROUTE -> Responses.unpack(a, RouteConfiguration.class).getName();
    };
  }
}
