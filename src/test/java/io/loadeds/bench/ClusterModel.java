package io.loadeds.bench;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * What the harness expects the registry of one cluster to hold, and the admission toggles it
 * drives. Endpoint 0 stays admitted (so no cluster ever goes all-full); the others are toggled.
 *
 * <p>Every state a cluster passes through is distinct, so a received assignment names exactly one
 * change: an admission sets {@code capacity} to a fresh tag (the published weight is the spare
 * capacity, so the tag shows in the assignment), and a removal takes the endpoint admitted longest
 * ago (a state with the same members and weights cannot have occurred before), and one toggled
 * endpoint always stays admitted. Not thread-safe: one scheduler thread drives it.
 */
final class ClusterModel {
  static final int BASE_PORT = 20000;

  /** One toggle: the PATCH to send and the fingerprint of the state it leads to. */
  record Toggle(int cluster, String path, String body, long fingerprint) {}

  final int index;
  final String name;
  private final int[] capacity;
  private final int[] active;
  private final Deque<Integer> admittedOrder = new ArrayDeque<>();
  private final Random random;

  ClusterModel(int index, int endpoints, long seed) {
    this.index = index;
    this.name = "bench-" + index;
    this.capacity = new int[endpoints];
    this.active = new int[endpoints];
    this.random = new Random(seed);
    for (int e = 0; e < endpoints; e++) {
      capacity[e] = 1;
      if (e > 0) {
        admittedOrder.addLast(e);
      }
    }
  }

  int endpoints() {
    return capacity.length;
  }

  static String id(int endpoint) {
    return "e" + endpoint;
  }

  String path(int endpoint) {
    return "/v1/clusters/" + name + "/endpoints/" + id(endpoint);
  }

  int port(int endpoint) {
    return BASE_PORT + index * 100 + endpoint;
  }

  /**
   * The registration body of an endpoint, with {@code capacity} (long lease: no expiry mid-run).
   */
  String registration(int endpoint, int cap) {
    capacity[endpoint] = cap;
    active[endpoint] = 0;
    return "{\"address\":\"10.1."
        + index
        + "."
        + (endpoint + 1)
        + "\",\"port\":"
        + port(endpoint)
        + ",\"capacity\":"
        + cap
        + ",\"active\":0,\"ttlSeconds\":3600}";
  }

  /** Admits a random full endpoint (with weight {@code tag}) or makes the oldest admitted full. */
  Toggle toggle(int tag) {
    int toggleable = endpoints() - 1;
    // At least one toggled endpoint stays admitted: with none, the state would be endpoint 0
    // alone, which repeats (the only state without a member admitted later than the others).
    boolean admit =
        admittedOrder.size() <= 1 || (admittedOrder.size() < toggleable && random.nextBoolean());
    int e;
    String body;
    if (admit) {
      List<Integer> full = new ArrayList<>();
      for (int i = 1; i < endpoints(); i++) {
        if (active[i] >= capacity[i]) {
          full.add(i);
        }
      }
      e = full.get(random.nextInt(full.size()));
      capacity[e] = tag;
      active[e] = 0;
      admittedOrder.addLast(e);
      body = "{\"capacity\":" + tag + ",\"active\":0}";
    } else {
      e = admittedOrder.removeFirst();
      active[e] = capacity[e];
      body = "{\"active\":" + capacity[e] + "}";
    }
    return new Toggle(index, path(e), body, fingerprint());
  }

  /** The fingerprint of the state the model holds now. */
  long fingerprint() {
    long fp = 0;
    for (int e = 0; e < endpoints(); e++) {
      if (active[e] < capacity[e]) {
        fp += mix(port(e), Math.max(1, capacity[e] - active[e]));
      }
    }
    return fp;
  }

  /**
   * The fingerprint of a received assignment: order-independent over (port, weight) of its
   * endpoints, and different when it carries a drop policy.
   */
  static long fingerprint(ClusterLoadAssignment cla) {
    long fp = cla.getPolicy().getDropOverloadsCount() > 0 ? 0x9E3779B97F4A7C15L : 0;
    for (LocalityLbEndpoints locality : cla.getEndpointsList()) {
      for (LbEndpoint lb : locality.getLbEndpointsList()) {
        int weight = lb.hasLoadBalancingWeight() ? lb.getLoadBalancingWeight().getValue() : 1;
        fp += mix(lb.getEndpoint().getAddress().getSocketAddress().getPortValue(), weight);
      }
    }
    return fp;
  }

  private static long mix(int port, int weight) {
    long z = ((long) port << 32 | (weight & 0xFFFF_FFFFL)) + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
