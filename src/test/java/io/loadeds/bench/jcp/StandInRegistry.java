package io.loadeds.bench.jcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stand-in's registry: the same load policy as ours (admitted while {@code active < capacity},
 * weight = spare capacity unless a static weight is given) without leases. Keeps each cluster's
 * assignment built, rebuilding only the cluster a call changed. Not thread-safe: the stand-in calls
 * it under its lock.
 */
final class StandInRegistry {
  private static final class Entry {
    String address;
    int port;
    Integer capacity;
    int active;
    Integer weight;

    boolean admitted() {
      return capacity == null || active < capacity;
    }

    int effectiveWeight() {
      return weight != null ? weight : capacity == null ? 1 : Math.max(1, capacity - active);
    }
  }

  private final Map<String, Map<String, Entry>> clusters = new TreeMap<>();
  private final Map<String, ClusterLoadAssignment> built = new HashMap<>();

  /** Registers or replaces; true when created. */
  boolean put(String cluster, String id, JsonNode body) {
    Entry e = new Entry();
    e.address = body.get("address").asText();
    e.port = body.get("port").asInt();
    e.capacity = body.hasNonNull("capacity") ? body.get("capacity").asInt() : null;
    e.active = body.path("active").asInt(0);
    e.weight = body.hasNonNull("weight") ? body.get("weight").asInt() : null;
    boolean created = clusters.computeIfAbsent(cluster, c -> new TreeMap<>()).put(id, e) == null;
    rebuild(cluster);
    return created;
  }

  /** Applies a load report; false when unknown. */
  boolean patch(String cluster, String id, JsonNode body) {
    Entry e = clusters.getOrDefault(cluster, Map.of()).get(id);
    if (e == null) {
      return false;
    }
    if (body.has("active")) {
      e.active = body.get("active").asInt();
    }
    if (body.has("capacity")) {
      e.capacity = body.get("capacity").isNull() ? null : body.get("capacity").asInt();
    }
    if (body.has("weight")) {
      e.weight = body.get("weight").isNull() ? null : body.get("weight").asInt();
    }
    rebuild(cluster);
    return true;
  }

  boolean delete(String cluster, String id) {
    Map<String, Entry> endpoints = clusters.get(cluster);
    if (endpoints == null || endpoints.remove(id) == null) {
      return false;
    }
    rebuild(cluster);
    return true;
  }

  List<ClusterLoadAssignment> assignments() {
    return new ArrayList<>(built.values());
  }

  private void rebuild(String cluster) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    long total = 0;
    for (Entry e : clusters.get(cluster).values()) {
      if (!e.admitted()) {
        continue;
      }
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder()
                                      .setAddress(e.address)
                                      .setPortValue(e.port))))
              .setLoadBalancingWeight(UInt32Value.of(e.effectiveWeight())));
      total += e.effectiveWeight();
    }
    locality.setLoadBalancingWeight(UInt32Value.of((int) Math.max(1, Math.min(total, 1 << 30))));
    built.put(
        cluster,
        ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(locality).build());
  }
}
