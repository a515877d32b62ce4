package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, scale-out, across real processes: three replicas of the server jar on 127.0.0.1 form
 * one cluster (TCP/IP join over free ports), shared by the tests of this class, which run in order
 * and use clusters of their own names. Raw ADS streams play the Envoys.
 *
 * <p>Every replica runs with a 30 s warm-up, so a replica that joins running members and serves at
 * once shows that it took the cluster's state instead of waiting.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int REPLICAS = 3;

  private static final int[] clusterPorts = new int[REPLICAS];
  private static final JavaProcess[] replicas = new JavaProcess[REPLICAS];
  private static final int[] ports = new int[REPLICAS];

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EdsWatcher> watchers = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    for (int i = 0; i < REPLICAS; i++) {
      clusterPorts[i] = freePort();
    }
    for (int i = 0; i < REPLICAS; i++) {
      replicas[i] = startReplica(i);
      if (i == 0) {
        // The first one forms the cluster, so it is the oldest member: the reaper.
        replicas[0].awaitLine("cluster: joined as", 90_000);
      }
    }
    for (int i = 0; i < REPLICAS; i++) {
      ports[i] = replicas[i].awaitLoopbackPort(90_000);
    }
    for (int i = 0; i < REPLICAS; i++) {
      int replica = i;
      await(
          "replica " + i + " sees 3 members",
          () -> debug(replica).path("members").size() == REPLICAS,
          Duration.ofSeconds(60));
    }
  }

  private static JavaProcess startReplica(int i) throws IOException {
    String members =
        java.util.Arrays.stream(clusterPorts)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(Collectors.joining(","));
    return JavaProcess.start(
        "replica-" + i,
        "loadeds.serverJar",
        List.of("-Xmx256m", "-Dhazelcast.max.no.heartbeat.seconds=6"),
        "--host=127.0.0.1",
        "--port=0",
        "--warm-up=30s",
        "--reaper-interval=200ms",
        "--cluster=true",
        "--cluster-port=" + clusterPorts[i],
        "--cluster-members=" + members);
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    for (JavaProcess p : replicas) {
      if (p != null) {
        p.close();
      }
    }
  }

  @AfterEach
  void closeStreams() {
    watchers.forEach(EdsWatcher::cancel);
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @Test
  @Order(1)
  void aWriteOnOneReplicaReachesTheStreamsOfAnotherWithTheSameVersions() throws Exception {
    EdsWatcher onC = watch(2, "shop");
    assertThat(put(0, "shop", "a", 9001, 2, 30)).isEqualTo(201);

    awaitIds(onC, "shop", List.of("a"));
    assertThat(patch(1, "shop", "a", "{\"active\":2}")).isEqualTo(200);
    // Full on replica B: it leaves the assignment seen on C, which drops everything.
    await("C's stream drops all", () -> onC.holds("shop").dropAll(), Duration.ofSeconds(10));
    assertThat(put(2, "shop", "b", 9002, 4, 30)).isEqualTo(201);
    awaitIds(onC, "shop", List.of("b"));

    await("equal versions", () -> versions("shop").stream().distinct().count() == 1, secs(10));
    assertThat(versions("shop").get(0)).isNotNull();
    EdsWatcher onA = watch(0, "shop");
    awaitIds(onA, "shop", List.of("b"));
    assertThat(onA.assignment("shop")).isEqualTo(onC.assignment("shop"));
    assertThat(onC.failure()).isNull();
  }

  @Test
  @Order(2)
  void aLeaseRenewedOnlyOnAnotherReplicaIsNotExpiredByTheReaper() throws Exception {
    int reaper = role("reaper");
    int other = (reaper + 1) % REPLICAS;
    EdsWatcher onReaper = watch(reaper, "renewed");
    assertThat(put(other, "renewed", "r", 9101, null, 1)).isEqualTo(201);
    assertThat(put(other, "renewed", "keep", 9102, null, 60)).isEqualTo(201);
    awaitIds(onReaper, "renewed", List.of("keep", "r"));

    // Four lease lengths, renewed only on the other replica.
    long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < until) {
      assertThat(patch(other, "renewed", "r", "{}")).isEqualTo(200);
      Thread.sleep(300);
    }
    assertThat(ids(onReaper, "renewed")).containsExactly("keep", "r");
    assertThat(state(reaper, "renewed", "r")).isEqualTo("ADMITTED");

    // Unrenewed, the reaper expires it once, for every replica.
    awaitIds(onReaper, "renewed", List.of("keep"));
    for (int i = 0; i < REPLICAS; i++) {
      int replica = i;
      await(
          "expired on " + i,
          () -> "EXPIRED".equals(state(replica, "renewed", "r")),
          Duration.ofSeconds(10));
    }
    assertThat(onReaper.failure()).isNull();
  }

  @Test
  @Order(3)
  void aKilledReplicaLosesNothingItsClientsMoveAndItRejoinsWithTheClustersState() throws Exception {
    int victim = role("reaper"); // the hardest one to lose: the reaper role must move
    int a = (victim + 1) % REPLICAS;
    int b = (victim + 2) % REPLICAS;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      assertThat(put(victim, "moved", "m" + i, 9200 + i, null, 60)).isEqualTo(201);
      ids.add("m" + i);
    }
    assertThat(put(victim, "moved", "short", 9299, null, 8)).isEqualTo(201);
    EdsWatcher onVictim = watch(victim, "moved");
    EdsWatcher onB = watch(b, "moved");
    List<String> all = new ArrayList<>(ids);
    all.add("short");
    awaitIds(onVictim, "moved", all.stream().sorted().toList());

    replicas[victim].kill();

    await("the stream on the killed replica ends", () -> onVictim.failure() != null, secs(10));
    // Its client reconnects to another replica and gets what it held, under the same version.
    EdsWatcher moved = watch(a, "moved");
    awaitIds(moved, "moved", all.stream().sorted().toList());
    // The short lease lapses; a survivor took the reaper role and expires it, once, everywhere.
    awaitIds(moved, "moved", ids);
    awaitIds(onB, "moved", ids);
    assertThat(moved.assignment("moved")).isEqualTo(onB.assignment("moved"));
    assertThat(version(a, "moved")).isEqualTo(version(b, "moved"));
    assertThat(role("reaper")).isIn(a, b);

    // The killed replica comes back on the same ports: it takes the cluster's state before it
    // serves, and does not wait out its 30 s warm-up.
    long restarted = System.nanoTime();
    replicas[victim] = startReplica(victim);
    ports[victim] = replicas[victim].awaitLoopbackPort(90_000);
    assertThat(replicas[victim].awaitLine("cluster: joined as .*?(\\d+) endpoint record", 1000))
        .isNotEqualTo("0");
    assertThat(ready(victim)).as("ready at once, no warm-up").isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(Duration.ofSeconds(30));
    assertThat(version(victim, "moved")).isEqualTo(version(a, "moved"));
    EdsWatcher back = watch(victim, "moved");
    awaitIds(back, "moved", ids);
    assertThat(back.assignment("moved")).isEqualTo(moved.assignment("moved"));
    // And it takes writes again.
    EdsWatcher onA = watch(a, "moved");
    assertThat(put(victim, "moved", "late", 9300, null, 60)).isEqualTo(201);
    List<String> withLate = new ArrayList<>(ids);
    withLate.add("late");
    awaitIds(onA, "moved", withLate.stream().sorted().toList());
    assertThat(moved.failure()).isNull();
  }

  @Test
  @Order(4)
  void aServerWithoutTheClusterOptionLoadsNoHazelcastClass() throws Exception {
    try (JavaProcess alone =
        JavaProcess.start(
            "alone",
            "loadeds.serverJar",
            List.of("-Xmx256m", "-verbose:class"),
            "--host=127.0.0.1",
            "--port=0",
            "--warm-up=0")) {
      int port = alone.awaitLoopbackPort(60_000);
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v1/clusters/solo/endpoints/a"))
                  .header("content-type", "application/json")
                  .PUT(
                      HttpRequest.BodyPublishers.ofString("{\"address\":\"127.0.0.1\",\"port\":1}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(alone.linesMatching("io\\.loadeds\\.registry\\.Registry ")).isNotEmpty();
      assertThat(alone.linesMatching("(?i)\\[class,load\\] \\S*hazelcast")).isEmpty();
    }
  }

  // --- helpers ---

  private EdsWatcher watch(int replica, String cluster) {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", ports[replica], InsecureChannelCredentials.create())
            .build();
    channels.add(channel);
    EdsWatcher w =
        EdsWatcher.open(channel, "cluster-it-" + replica + "-" + watchers.size(), List.of(cluster));
    watchers.add(w);
    return w;
  }

  private static List<String> ids(EdsWatcher w, String cluster) {
    AssignmentShape shape = w.holds(cluster);
    return shape == null
        ? List.of()
        : shape.endpoints().stream().map(e -> e.substring(0, e.indexOf(' '))).sorted().toList();
  }

  private static void awaitIds(EdsWatcher w, String cluster, List<String> wanted) throws Exception {
    await(
        w.nodeId() + " holds " + wanted + " of " + cluster,
        () -> ids(w, cluster).equals(wanted),
        secs(15));
  }

  private static int put(
      int replica, String cluster, String id, int port, Integer capacity, int ttlSeconds)
      throws Exception {
    String body =
        "{\"address\":\"127.0.0.1\",\"port\":"
            + port
            + (capacity == null ? "" : ",\"capacity\":" + capacity)
            + ",\"ttlSeconds\":"
            + ttlSeconds
            + "}";
    return send(replica, "PUT", "/v1/clusters/" + cluster + "/endpoints/" + id, body).statusCode();
  }

  private static int patch(int replica, String cluster, String id, String body) throws Exception {
    return send(replica, "PATCH", "/v1/clusters/" + cluster + "/endpoints/" + id, body)
        .statusCode();
  }

  private static String state(int replica, String cluster, String id) throws Exception {
    HttpResponse<String> r =
        send(replica, "GET", "/v1/clusters/" + cluster + "/endpoints/" + id, null);
    return r.statusCode() == 200 ? JSON.readTree(r.body()).path("state").asText() : null;
  }

  private static String version(int replica, String cluster) throws Exception {
    HttpResponse<String> r = send(replica, "GET", "/v1/clusters/" + cluster, null);
    return JSON.readTree(r.body()).path("version").asText(null);
  }

  private static List<String> versions(String cluster) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < REPLICAS; i++) {
      out.add(version(i, cluster));
    }
    return out;
  }

  private static boolean ready(int replica) throws Exception {
    return send(replica, "GET", "/readyz", null).statusCode() == 200;
  }

  private static JsonNode debug(int replica) throws Exception {
    return JSON.readTree(send(replica, "GET", "/v1/debug/cluster", null).body());
  }

  /** The replica (among the running ones) whose debug page names {@code role}. */
  private static int role(String role) throws Exception {
    for (int i = 0; i < REPLICAS; i++) {
      if (replicas[i].isAlive() && role.equals(debug(i).path("role").asText())) {
        return i;
      }
    }
    throw new AssertionError("no replica has the role " + role);
  }

  private static HttpResponse<String> send(int replica, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[replica] + path))
            .timeout(Duration.ofSeconds(10));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void await(String what, Callable<Boolean> condition, Duration within)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Boolean ok;
      try {
        ok = condition.call();
      } catch (IOException e) {
        ok = false;
      }
      if (Boolean.TRUE.equals(ok)) {
        return;
      }
      assertThat(System.nanoTime()).as("%s within %s", what, within).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static Duration secs(long s) {
    return Duration.ofSeconds(s);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
