package io.loadeds.it;

import static io.loadeds.it.ReplicaHttp.await;
import static io.loadeds.it.ReplicaHttp.debug;
import static io.loadeds.it.ReplicaHttp.delete;
import static io.loadeds.it.ReplicaHttp.freePort;
import static io.loadeds.it.ReplicaHttp.put;
import static io.loadeds.it.ReplicaHttp.version;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, split brain, across real processes: two replicas whose member lists name each other
 * through a {@link TcpGate} each, closed at first, so each forms a cluster of its own as it would
 * on either side of a partition. Both take writes; then the gates open (the partition heals) and
 * Hazelcast's split-brain check, sped up to every 2 s, merges one cluster into the other. After
 * that, whichever side was merged, both replicas must hold, for every endpoint, the record written
 * last on either side (a deregistration included), serve equal assignments under equal versions,
 * and agree on one reaper.
 */
@Timeout(150)
class SplitBrainIT {
  private static final String C = "split";

  private final List<JavaProcess> processes = new ArrayList<>();
  private final List<TcpGate> gates = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EdsWatcher> watchers = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    watchers.forEach(EdsWatcher::cancel);
    channels.forEach(ManagedChannel::shutdownNow);
    for (JavaProcess p : processes) {
      p.close();
    }
    for (TcpGate g : gates) {
      g.close();
    }
  }

  @Test
  void afterThePartitionHealsBothSidesServeTheRecordWrittenLastOnEitherSide() throws Exception {
    int clusterA = freePort();
    int clusterB = freePort();
    TcpGate toA = gate(clusterA);
    TcpGate toB = gate(clusterB);
    JavaProcess sideA = replica("side-a", clusterA, toB.port());
    JavaProcess sideB = replica("side-b", clusterB, toA.port());
    int a = sideA.awaitLoopbackPort(90_000);
    int b = sideB.awaitLoopbackPort(90_000);
    for (int side : List.of(a, b)) {
      JsonNode d = debug(side);
      assertThat(d.path("members").size()).as("apart: a cluster of one").isEqualTo(1);
      assertThat(d.path("role").asText()).as("apart: each side reaps").isEqualTo("reaper");
    }
    EdsWatcher onA = watch(a);
    EdsWatcher onB = watch(b);

    // Apart, each side takes writes; two endpoints are written on both, each last on a different
    // side, and one is deregistered on A after B registered it.
    assertThat(put(a, C, "a-only", 9401, 4, 0, 60)).isEqualTo(201);
    assertThat(put(b, C, "b-only", 9402, 4, 0, 60)).isEqualTo(201);
    assertThat(put(a, C, "last-on-b", 9403, 4, 0, 60)).isEqualTo(201);
    assertThat(put(b, C, "last-on-a", 9404, 4, 0, 60)).isEqualTo(201);
    assertThat(put(b, C, "gone", 9405, 4, 0, 60)).isEqualTo(201);
    // The second writes follow within the same second or so, as writes on two sides of a partition
    // often do: the merge must still tell which came last.
    assertThat(put(b, C, "last-on-b", 9403, 4, 3, 60)).isEqualTo(201);
    assertThat(put(a, C, "last-on-a", 9404, 4, 1, 60)).isEqualTo(201);
    assertThat(put(a, C, "gone", 9405, 4, 0, 60)).isEqualTo(201);
    assertThat(delete(a, C, "gone")).isEqualTo(204);
    awaitHeld(onA, List.of("a-only 9401 4", "last-on-a 9404 3", "last-on-b 9403 4"));
    awaitHeld(onB, List.of("b-only 9402 4", "gone 9405 4", "last-on-a 9404 4", "last-on-b 9403 1"));

    toA.open();
    toB.open();
    for (int side : List.of(a, b)) {
      await("merged: 2 members", () -> debug(side).path("members").size() == 2, secs(40));
    }

    List<String> merged =
        List.of("a-only 9401 4", "b-only 9402 4", "last-on-a 9404 3", "last-on-b 9403 1");
    awaitHeld(onA, merged);
    awaitHeld(onB, merged);
    await("equal versions", () -> Objects.equals(version(a, C), version(b, C)), secs(10));
    assertThat(onA.assignment(C)).isEqualTo(onB.assignment(C));
    assertThat(ReplicaHttp.state(b, C, "gone")).as("deregistered last").isNull();
    // One side was merged into the other (which one, Hazelcast decides by address) and says so,
    // once its reload is done; the records can reach its streams before that, as merge events.
    await(
        "one side logs its merge",
        () ->
            sideA.linesMatching("cluster: merged into").size()
                    + sideB.linesMatching("cluster: merged into").size()
                > 0,
        secs(75)); // the reload waits up to 60 s for the partitions to settle (MergeReload)
    List<String> mergedLines = new ArrayList<>(sideA.linesMatching("cluster: merged into"));
    mergedLines.addAll(sideB.linesMatching("cluster: merged into"));
    assertThat(mergedLines).singleElement().asString().contains("2 member(s)");

    // One cluster again: one reaper, named alike on both sides.
    JsonNode da = debug(a);
    JsonNode db = debug(b);
    assertThat(reapers(da)).hasSize(1).isEqualTo(reapers(db));
    assertThat(List.of(da.path("role").asText(), db.path("role").asText()))
        .containsExactlyInAnyOrder("reaper", "replica");

    // And writes flow both ways again.
    assertThat(put(a, C, "after-a", 9406, 4, 0, 60)).isEqualTo(201);
    assertThat(put(b, C, "after-b", 9407, 4, 0, 60)).isEqualTo(201);
    List<String> after = new ArrayList<>(merged);
    after.addAll(List.of("after-a 9406 4", "after-b 9407 4"));
    awaitHeld(onA, after);
    awaitHeld(onB, after);
    assertThat(onA.failure()).isNull();
    assertThat(onB.failure()).isNull();
  }

  private TcpGate gate(int target) throws Exception {
    TcpGate g = TcpGate.to(target);
    gates.add(g);
    return g;
  }

  /** A replica whose member list names itself and, through a gate, the other side. */
  private JavaProcess replica(String name, int clusterPort, int otherSide) throws Exception {
    JavaProcess p =
        JavaProcess.start(
            name,
            "loadeds.serverJar",
            List.of(
                "-Xmx256m",
                "-Dhazelcast.merge.first.run.delay.seconds=2",
                "-Dhazelcast.merge.next.run.delay.seconds=2"),
            "--host=127.0.0.1",
            "--port=0",
            "--warm-up=0",
            "--cluster=true",
            "--cluster-port=" + clusterPort,
            "--cluster-members=127.0.0.1:" + clusterPort + ",127.0.0.1:" + otherSide);
    processes.add(p);
    return p;
  }

  private EdsWatcher watch(int http) {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", http, InsecureChannelCredentials.create())
            .build();
    channels.add(channel);
    EdsWatcher w = EdsWatcher.open(channel, "split-brain-it-" + http, List.of(C));
    watchers.add(w);
    return w;
  }

  /** Waits until the stream holds exactly {@code wanted} ("id port weight", sorted). */
  private static void awaitHeld(EdsWatcher w, List<String> wanted) throws Exception {
    List<String> sorted = wanted.stream().sorted().toList();
    try {
      await(w.nodeId() + " holds " + sorted, () -> held(w).equals(sorted), secs(15));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; it holds " + held(w), e);
    }
  }

  private static List<String> held(EdsWatcher w) {
    AssignmentShape shape = w.holds(C);
    return shape == null
        ? List.of()
        : shape.endpoints().stream().map(e -> e.replace("127.0.0.1:", "")).sorted().toList();
  }

  /** The uuids of the members a debug page marks as the reaper. */
  private static List<String> reapers(JsonNode debug) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : debug.path("members")) {
      if (m.path("reaper").asBoolean()) {
        out.add(m.path("uuid").asText());
      }
    }
    return out;
  }

  private static Duration secs(long s) {
    return Duration.ofSeconds(s);
  }
}
