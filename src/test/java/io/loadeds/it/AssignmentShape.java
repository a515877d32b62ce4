package io.loadeds.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.List;

/**
 * What a load assignment tells a client, reduced to what the load test compares: the endpoints as
 * sorted {@code "id address:port weight"} strings (the id is the endpoint's hostname), and whether
 * every request is dropped (the 100% {@code loadeds_no_capacity} drop of a cluster whose endpoints
 * are all full). Derived either from an assignment a stream received ({@link #of}) or, with the
 * README's load policy, from the registry's view of the cluster ({@link #expected}). Immutable.
 *
 * @param endpoints sorted endpoint strings
 * @param dropAll whether a drop category takes 100% of the requests
 */
record AssignmentShape(List<String> endpoints, boolean dropAll) {
  static final String NO_CAPACITY = "loadeds_no_capacity";

  AssignmentShape {
    endpoints = endpoints.stream().sorted().toList();
  }

  /** The shape of an assignment as received. */
  static AssignmentShape of(ClusterLoadAssignment cla) {
    List<String> endpoints = new ArrayList<>();
    for (LocalityLbEndpoints locality : cla.getEndpointsList()) {
      for (LbEndpoint lb : locality.getLbEndpointsList()) {
        var socket = lb.getEndpoint().getAddress().getSocketAddress();
        endpoints.add(
            endpoint(
                lb.getEndpoint().getHostname(),
                socket.getAddress(),
                socket.getPortValue(),
                lb.getLoadBalancingWeight().getValue()));
      }
    }
    boolean dropAll =
        cla.getPolicy().getDropOverloadsList().stream()
            .anyMatch(
                d ->
                    d.getCategory().equals(NO_CAPACITY)
                        && d.getDropPercentage().getNumerator() == 100
                        && d.getDropPercentage().getDenominator()
                            == FractionalPercent.DenominatorType.HUNDRED);
    return new AssignmentShape(endpoints, dropAll);
  }

  /**
   * What the server must publish for a cluster, from {@code GET /v1/clusters/{name}} ({@code null}
   * when it answered 404): the admitted endpoints weighted by their spare capacity; with none
   * admitted, the full ones with weight 1 under a 100% drop; for an unknown cluster, an empty
   * assignment without a drop.
   */
  static AssignmentShape expected(JsonNode cluster) {
    if (cluster == null) {
      return new AssignmentShape(List.of(), false);
    }
    List<String> admitted = new ArrayList<>();
    List<String> full = new ArrayList<>();
    for (JsonNode e : cluster.path("endpoints")) {
      String state = e.path("state").asText();
      if (state.equals("ADMITTED")) {
        admitted.add(endpoint(e, spareCapacity(e)));
      } else if (state.equals("FULL")) {
        full.add(endpoint(e, 1));
      }
    }
    return admitted.isEmpty() && !full.isEmpty()
        ? new AssignmentShape(full, true)
        : new AssignmentShape(admitted, false);
  }

  /** The load policy's weight, computed here rather than read from the server's view. */
  private static int spareCapacity(JsonNode e) {
    if (!e.path("weight").isNull()) {
      return e.path("weight").asInt();
    }
    if (e.path("capacity").isNull()) {
      return 1;
    }
    return Math.max(1, e.path("capacity").asInt() - e.path("active").asInt());
  }

  private static String endpoint(JsonNode e, int weight) {
    return endpoint(
        e.path("id").asText(), e.path("address").asText(), e.path("port").asInt(), weight);
  }

  private static String endpoint(String id, String address, int port, int weight) {
    return id + " " + address + ":" + port + " " + weight;
  }
}
