package io.loadeds.it;

import static io.loadeds.it.ReplicaHttp.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Replicas of the server jar on 127.0.0.1 that form one cluster over free ports, for multi-process
 * tests: started, killed and restarted by index, and addressed by index (REST, {@code
 * /v1/debug/cluster}, {@code /metrics}). Replica 0 starts first and forms the cluster, so it is the
 * oldest member: the reaper, until it goes.
 *
 * <p>Used from the test thread; {@link #http} may be read from others (a restart changes it).
 */
final class ReplicaCluster implements AutoCloseable {
  private final List<String> jvmOptions;
  private final List<String> args;
  private final int[] clusterPorts;
  private final JavaProcess[] processes;
  private final int[] ports;

  private ReplicaCluster(int size, List<String> jvmOptions, List<String> args) throws IOException {
    this.jvmOptions = List.copyOf(jvmOptions);
    this.args = List.copyOf(args);
    this.clusterPorts = new int[size];
    this.processes = new JavaProcess[size];
    this.ports = new int[size];
    for (int i = 0; i < size; i++) {
      clusterPorts[i] = ReplicaHttp.freePort();
    }
  }

  /**
   * Starts {@code size} replicas with {@code args} besides host, ports and member list, and waits
   * until every one listens and counts them all as members.
   */
  static ReplicaCluster start(int size, List<String> jvmOptions, String... args) throws Exception {
    ReplicaCluster c = new ReplicaCluster(size, jvmOptions, List.of(args));
    try {
      for (int i = 0; i < size; i++) {
        c.processes[i] = c.launch(i);
        if (i == 0) {
          c.processes[0].awaitLine("cluster: joined as", 90_000);
        }
      }
      for (int i = 0; i < size; i++) {
        c.ports[i] = c.processes[i].awaitLoopbackPort(90_000);
      }
      for (int i = 0; i < size; i++) {
        int replica = i;
        await(
            "replica " + i + " sees " + size + " members",
            () -> c.debug(replica).path("members").size() == size,
            Duration.ofSeconds(60));
      }
      return c;
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
  }

  private JavaProcess launch(int i) throws IOException {
    String members =
        Arrays.stream(clusterPorts)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(Collectors.joining(","));
    List<String> all = new ArrayList<>(List.of("--host=127.0.0.1", "--port=0", "--cluster=true"));
    all.add("--cluster-port=" + clusterPorts[i]);
    all.add("--cluster-members=" + members);
    all.addAll(args);
    return JavaProcess.start(
        "replica-" + i, "loadeds.serverJar", jvmOptions, all.toArray(String[]::new));
  }

  /** Starts replica {@code i} again on the same cluster port; returns once it listens. */
  void restart(int i) throws Exception {
    processes[i] = launch(i);
    ports[i] = processes[i].awaitLoopbackPort(90_000);
  }

  /** SIGKILL: the replica leaves without a word. */
  void kill(int i) throws InterruptedException {
    processes[i].kill();
  }

  int size() {
    return processes.length;
  }

  JavaProcess process(int i) {
    return processes[i];
  }

  int http(int i) {
    return ports[i];
  }

  /** The member address Hazelcast gives replica {@code i}, as the debug page shows it. */
  String memberAddress(int i) {
    return "[127.0.0.1]:" + clusterPorts[i];
  }

  // --- by index: REST, debug page, metrics ---

  int put(int i, String cluster, String id, int port, Integer capacity, int ttl) throws Exception {
    return ReplicaHttp.put(ports[i], cluster, id, port, capacity, null, ttl);
  }

  int patch(int i, String cluster, String id, String body) throws Exception {
    return ReplicaHttp.patch(ports[i], cluster, id, body);
  }

  String state(int i, String cluster, String id) throws Exception {
    return ReplicaHttp.state(ports[i], cluster, id);
  }

  String version(int i, String cluster) throws Exception {
    return ReplicaHttp.version(ports[i], cluster);
  }

  /** The cluster's version on every replica, in index order. */
  List<String> versions(String cluster) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      out.add(version(i, cluster));
    }
    return out;
  }

  boolean ready(int i) throws Exception {
    return ReplicaHttp.ready(ports[i]);
  }

  JsonNode debug(int i) throws Exception {
    return ReplicaHttp.debug(ports[i]);
  }

  double metric(int i, String series) throws Exception {
    return ReplicaHttp.metric(ports[i], series);
  }

  /** The uuids of the members replica {@code i}'s debug page marks as the reaper. */
  List<String> reaperUuids(int i) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode m : debug(i).path("members")) {
      if (m.path("reaper").asBoolean()) {
        out.add(m.path("uuid").asText());
      }
    }
    return out;
  }

  /** The replica (among the running ones) whose debug page names {@code role}. */
  int role(String role) throws Exception {
    for (int i = 0; i < size(); i++) {
      if (processes[i].isAlive() && role.equals(debug(i).path("role").asText())) {
        return i;
      }
    }
    throw new AssertionError("no replica has the role " + role);
  }

  @Override
  public void close() throws InterruptedException {
    for (JavaProcess p : processes) {
      if (p != null) {
        p.close();
      }
    }
  }
}
