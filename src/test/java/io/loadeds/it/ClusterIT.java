package io.loadeds.it;

import static io.loadeds.it.ReplicaHttp.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * <p>Every replica runs with a 30 s warm-up. Started together on an empty map, they are a whole
 * cluster restarting, which warms up once: every replica holds back empty answers, and all end
 * their warm-up together. A replica that later joins the running cluster and serves at once shows
 * that it took the cluster's state instead of waiting.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int REPLICAS = 3;
  private static final Duration HOLD = Duration.ofSeconds(6); // registry.selfPreservation.maxHold

  private static ReplicaCluster replicas;
  private static ReadyClock readyClock;
  // Opened during the warm-up and kept until its end (a later test), unlike the per-test streams.
  private static ManagedChannel coldChannel;
  private static EdsWatcher cold;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EdsWatcher> watchers = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    replicas =
        ReplicaCluster.start(
            REPLICAS,
            List.of("-Xmx256m", "-Dhazelcast.max.no.heartbeat.seconds=6"),
            "--warm-up=30s",
            "--reaper-interval=200ms",
            "--self-preservation-max-hold=" + HOLD.toSeconds() + "s");
    readyClock = new ReadyClock(REPLICAS, replicas::http);
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    if (readyClock != null) {
      readyClock.close();
    }
    if (cold != null) {
      cold.cancel();
      coldChannel.shutdownNow();
    }
    if (replicas != null) {
      replicas.close();
    }
  }

  @AfterEach
  void closeStreams() {
    watchers.forEach(EdsWatcher::cancel);
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @Test
  @Order(1)
  void aClusterStartedTogetherHoldsUnknownAssignmentsOnEveryReplicaWhileItWarmsUp()
      throws Exception {
    // Nothing is in the map: the backends have not re-registered yet, whichever replica they and
    // the Envoys reach, so no replica may skip the warm-up, the joiners included.
    for (int i = 0; i < REPLICAS; i++) {
      HttpResponse<String> r = ReplicaHttp.send(replicas.http(i), "GET", "/readyz", null);
      assertThat(r.statusCode()).as("replica %d ready", i).isEqualTo(503);
      assertThat(r.body()).contains("warming");
    }
    coldChannel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", replicas.http(2), InsecureChannelCredentials.create())
            .build();
    cold = EdsWatcher.open(coldChannel, "cluster-it-cold", List.of("cold"));
    Thread.sleep(1000);
    assertThat(cold.responses()).as("no empty assignment while warming").isZero();
  }

  @Test
  @Order(2)
  void aWriteOnOneReplicaReachesTheStreamsOfAnotherWithTheSameVersions() throws Exception {
    EdsWatcher onC = watch(2, "shop");
    assertThat(replicas.put(0, "shop", "a", 9001, 2, 30)).isEqualTo(201);

    awaitIds(onC, "shop", List.of("a"));
    assertThat(replicas.patch(1, "shop", "a", "{\"active\":2}")).isEqualTo(200);
    // Full on replica B: it leaves the assignment seen on C, which drops everything.
    await("C's stream drops all", () -> onC.holds("shop").dropAll(), Duration.ofSeconds(10));
    assertThat(replicas.put(2, "shop", "b", 9002, 4, 30)).isEqualTo(201);
    awaitIds(onC, "shop", List.of("b"));

    await(
        "equal versions",
        () -> replicas.versions("shop").stream().distinct().count() == 1,
        secs(10));
    assertThat(replicas.versions("shop").get(0)).isNotNull();
    EdsWatcher onA = watch(0, "shop");
    awaitIds(onA, "shop", List.of("b"));
    assertThat(onA.assignment("shop")).isEqualTo(onC.assignment("shop"));
    assertThat(onC.failure()).isNull();
  }

  @Test
  @Order(3)
  void aLeaseRenewedOnlyOnAnotherReplicaIsNotExpiredByTheReaper() throws Exception {
    int reaper = replicas.role("reaper");
    int other = (reaper + 1) % REPLICAS;
    EdsWatcher onReaper = watch(reaper, "renewed");
    assertThat(replicas.put(other, "renewed", "r", 9101, null, 1)).isEqualTo(201);
    assertThat(replicas.put(other, "renewed", "keep", 9102, null, 60)).isEqualTo(201);
    awaitIds(onReaper, "renewed", List.of("keep", "r"));

    // Four lease lengths, renewed only on the other replica.
    long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < until) {
      assertThat(replicas.patch(other, "renewed", "r", "{}")).isEqualTo(200);
      Thread.sleep(300);
    }
    assertThat(ids(onReaper, "renewed")).containsExactly("keep", "r");
    assertThat(replicas.state(reaper, "renewed", "r")).isEqualTo("ADMITTED");

    // Unrenewed, the reaper expires it once, for every replica.
    awaitIds(onReaper, "renewed", List.of("keep"));
    for (int i = 0; i < REPLICAS; i++) {
      int replica = i;
      await(
          "expired on " + i,
          () -> "EXPIRED".equals(replicas.state(replica, "renewed", "r")),
          Duration.ofSeconds(10));
    }
    assertThat(onReaper.failure()).isNull();
  }

  @Test
  @Order(4)
  void aMassLapseIsHeldOnEveryReplicaAndItsExpiriesReachEveryReplicaOnce() throws Exception {
    String c = "preserved";
    int reaper = replicas.role("reaper");
    int other = (reaper + 1) % REPLICAS;
    List<String> lapsing = List.of("p0", "p1", "p2", "p3", "p4", "p5");
    assertThat(replicas.put(other, c, "steady", 9500, null, 60)).isEqualTo(201);
    // Registered all at once, two on each replica, with 2 s leases nobody renews: they lapse
    // together, as when the backends lose their way to every replica.
    registerAtOnce(c, lapsing, 9510, 2);
    List<EdsWatcher> on = new ArrayList<>();
    for (int i = 0; i < REPLICAS; i++) {
      on.add(watch(i, c));
    }

    // Only the reaper judges, and says so where an operator looks: its log.
    replicas.process(reaper).awaitLine("SELF-PRESERVATION for cluster " + c, 15_000);
    long holdStarted = System.nanoTime();
    Thread.sleep(500); // the last pushes
    List<String> published = ids(on.get(reaper), c);
    List<String> held = published.stream().filter(lapsing::contains).toList();
    // A lease that lapsed alone in an earlier reaper pass has expired already; the rest are held.
    assertThat(held).as("the cluster is not emptied").hasSizeGreaterThanOrEqualTo(2);
    assertThat(published).contains("steady");
    int expiredBefore = lapsing.size() - held.size();
    String renewed = held.get(0);
    // A held backend comes back on a replica that is not the reaper.
    assertThat(replicas.put(other, c, renewed, 9510 + lapsing.indexOf(renewed), null, 60))
        .isEqualTo(200);
    Thread.sleep(1500);
    assertThat(Duration.ofNanos(System.nanoTime() - holdStarted)).isLessThan(HOLD);
    for (int i = 0; i < REPLICAS; i++) {
      assertThat(ids(on.get(i), c)).as("held on replica %d", i).isEqualTo(published);
      assertThat(expiries(i, c))
          .as("expiries on replica %d during the hold", i)
          .isEqualTo(expiredBefore);
      if (i != reaper) {
        assertThat(replicas.process(i).linesMatching("SELF-PRESERVATION")).isEmpty();
      }
    }

    // The hold runs out: the leases still lapsed expire, once, on every replica.
    List<String> left = List.of(renewed, "steady").stream().sorted().toList();
    for (int i = 0; i < REPLICAS; i++) {
      awaitIds(on.get(i), c, left, HOLD.plusSeconds(10));
    }
    Thread.sleep(1000); // a few more reaper passes: nothing expires twice
    for (int i = 0; i < REPLICAS; i++) {
      assertThat(expiries(i, c)).as("expiries on replica %d", i).isEqualTo(lapsing.size() - 1);
      for (String id : lapsing) {
        assertThat(replicas.process(i).linesMatching("expired cluster=" + c + " id=" + id + " "))
            .as("%s expired on replica %d", id, i)
            .hasSize(id.equals(renewed) ? 0 : 1);
      }
    }
    assertThat(
            replicas.process(reaper).linesMatching("self-preservation of cluster " + c + " ended"))
        .singleElement()
        .asString()
        .contains((held.size() - 1) + " lease(s) still lapsed expire now");
    assertThat(replicas.state(other, c, renewed)).isEqualTo("ADMITTED");
  }

  @Test
  @Order(5)
  void everyReplicaNamesTheSameThreeMembersAndOneReaperAndShowsItsReplicationLag()
      throws Exception {
    Set<String> addresses = new HashSet<>();
    for (int i = 0; i < REPLICAS; i++) {
      addresses.add(replicas.memberAddress(i));
    }
    String reaperUuid = replicas.reaperUuids(0).get(0);
    int reaper = -1;
    for (int i = 0; i < REPLICAS; i++) {
      JsonNode d = replicas.debug(i);
      Set<String> named = new HashSet<>();
      JsonNode self = null;
      for (JsonNode m : d.path("members")) {
        named.add(m.path("address").asText());
        if (m.path("self").asBoolean()) {
          assertThat(self).as("one self on replica %d", i).isNull();
          self = m;
        }
      }
      assertThat(named).as("members on replica %d", i).isEqualTo(addresses);
      assertThat(self.path("address").asText()).isEqualTo(replicas.memberAddress(i));
      assertThat(replicas.reaperUuids(i))
          .as("the reaper replica %d names", i)
          .containsExactly(reaperUuid);
      boolean reaps = self.path("uuid").asText().equals(reaperUuid);
      assertThat(d.path("role").asText()).isEqualTo(reaps ? "reaper" : "replica");
      assertThat(replicas.metric(i, "loadeds_cluster_members")).isEqualTo(3);
      assertThat(replicas.metric(i, "loadeds_cluster_reaper")).isEqualTo(reaps ? 1 : 0);
      if (reaps) {
        reaper = i;
      }
    }
    assertThat(reaper).as("the named reaper is one of the replicas").isNotNegative();

    // A write on the reaper is lag on the two others, not on the reaper itself.
    long[] lagCounts = new long[REPLICAS];
    double[] lagMetric = new double[REPLICAS];
    for (int i = 0; i < REPLICAS; i++) {
      lagCounts[i] = lag(i).path("count").asLong();
      lagMetric[i] = replicas.metric(i, "loadeds_cluster_replication_lag_seconds_count");
    }
    assertThat(replicas.put(reaper, "lag", "l", 9700, null, 60)).isEqualTo(201);
    for (int i = 0; i < REPLICAS; i++) {
      if (i == reaper) {
        continue;
      }
      int replica = i;
      await(
          "lag counted on " + i,
          () -> lag(replica).path("count").asLong() > lagCounts[replica],
          secs(10));
      JsonNode lag = lag(i);
      assertThat(lag.path("lastMillis").asLong()).isBetween(0L, 10_000L);
      assertThat(lag.path("p50Millis").isNumber()).isTrue();
      assertThat(lag.path("p99Millis").asDouble())
          .isGreaterThanOrEqualTo(lag.path("p50Millis").asDouble());
      assertThat(replicas.metric(i, "loadeds_cluster_replication_lag_seconds_count"))
          .isGreaterThan(lagMetric[i]);
    }
    assertThat(lag(reaper).path("count").asLong())
        .as("own writes are no lag")
        .isEqualTo(lagCounts[reaper]);
  }

  @Test
  @Order(6)
  void theClustersWarmUpEndsOnceAndTogetherOnEveryReplica() throws Exception {
    await("every replica ready", readyClock::allReady, secs(60));
    assertThat(Duration.ofNanos(readyClock.spreadNanos()))
        .as("the replicas started seconds apart, yet end their warm-up together")
        .isLessThan(Duration.ofSeconds(2));
    await("the cold stream gets an empty assignment", () -> cold.holds("cold") != null, secs(5));
    assertThat(cold.holds("cold").endpoints()).isEmpty();
  }

  @Test
  @Order(7)
  void aKilledReplicaLosesNothingItsClientsMoveAndItRejoinsWithTheClustersState() throws Exception {
    int victim = replicas.role("reaper"); // the hardest one to lose: the reaper role must move
    int a = (victim + 1) % REPLICAS;
    int b = (victim + 2) % REPLICAS;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      assertThat(replicas.put(victim, "moved", "m" + i, 9200 + i, null, 60)).isEqualTo(201);
      ids.add("m" + i);
    }
    assertThat(replicas.put(victim, "moved", "short", 9299, null, 8)).isEqualTo(201);
    EdsWatcher onVictim = watch(victim, "moved");
    EdsWatcher onB = watch(b, "moved");
    List<String> all = new ArrayList<>(ids);
    all.add("short");
    awaitIds(onVictim, "moved", all.stream().sorted().toList());

    replicas.kill(victim);

    await("the stream on the killed replica ends", () -> onVictim.failure() != null, secs(10));
    // Its client reconnects to another replica and gets what it held, under the same version.
    EdsWatcher moved = watch(a, "moved");
    awaitIds(moved, "moved", all.stream().sorted().toList());
    // The short lease lapses; a survivor took the reaper role and expires it, once, everywhere.
    awaitIds(moved, "moved", ids);
    awaitIds(onB, "moved", ids);
    assertThat(moved.assignment("moved")).isEqualTo(onB.assignment("moved"));
    assertThat(replicas.version(a, "moved")).isEqualTo(replicas.version(b, "moved"));
    assertThat(replicas.role("reaper")).isIn(a, b);
    // Both survivors count two members and name the same one reaper.
    for (int survivor : List.of(a, b)) {
      await(
          "2 members on " + survivor,
          () -> replicas.metric(survivor, "loadeds_cluster_members") == 2,
          secs(20));
      assertThat(replicas.debug(survivor).path("members").size()).isEqualTo(2);
    }
    assertThat(replicas.reaperUuids(a)).hasSize(1).isEqualTo(replicas.reaperUuids(b));
    assertThat(
            replicas.metric(a, "loadeds_cluster_reaper")
                + replicas.metric(b, "loadeds_cluster_reaper"))
        .isEqualTo(1);

    // The killed replica comes back on the same ports: it takes the cluster's state before it
    // serves, and does not wait out its 30 s warm-up.
    long restarted = System.nanoTime();
    replicas.restart(victim);
    assertThat(
            replicas
                .process(victim)
                .awaitLine("cluster: joined as .*?(\\d+) endpoint record", 1000))
        .isNotEqualTo("0");
    assertThat(replicas.ready(victim)).as("ready at once, no warm-up").isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(Duration.ofSeconds(30));
    assertThat(replicas.version(victim, "moved")).isEqualTo(replicas.version(a, "moved"));
    EdsWatcher back = watch(victim, "moved");
    awaitIds(back, "moved", ids);
    assertThat(back.assignment("moved")).isEqualTo(moved.assignment("moved"));
    // And it takes writes again.
    EdsWatcher onA = watch(a, "moved");
    assertThat(replicas.put(victim, "moved", "late", 9300, null, 60)).isEqualTo(201);
    List<String> withLate = new ArrayList<>(ids);
    withLate.add("late");
    awaitIds(onA, "moved", withLate.stream().sorted().toList());
    for (int i = 0; i < REPLICAS; i++) {
      int replica = i;
      await(
          "3 members again on " + i,
          () -> replicas.metric(replica, "loadeds_cluster_members") == 3,
          secs(20));
    }
    assertThat(moved.failure()).isNull();
  }

  @Test
  @Order(8)
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
                "127.0.0.1", replicas.http(replica), InsecureChannelCredentials.create())
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
    awaitIds(w, cluster, wanted, secs(15));
  }

  private static void awaitIds(EdsWatcher w, String cluster, List<String> wanted, Duration within)
      throws Exception {
    await(
        w.nodeId() + " holds " + wanted + " of " + cluster,
        () -> ids(w, cluster).equals(wanted),
        within);
  }

  /**
   * Registers {@code ids} (ports from {@code firstPort}) concurrently, spread over the replicas in
   * turn, so that their leases start within milliseconds of each other.
   */
  private static void registerAtOnce(String cluster, List<String> ids, int firstPort, int ttl)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(ids.size());
    try {
      List<Future<Integer>> puts = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        int n = i;
        puts.add(
            pool.submit(
                () -> replicas.put(n % REPLICAS, cluster, ids.get(n), firstPort + n, null, ttl)));
      }
      for (Future<Integer> f : puts) {
        assertThat(f.get()).isEqualTo(201);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static JsonNode lag(int replica) throws Exception {
    return replicas.debug(replica).path("replicationLag");
  }

  /** The cluster's lease expiries counted on a replica (none yet: 0). */
  private static int expiries(int replica, String cluster) throws Exception {
    double n =
        replicas.metric(replica, "loadeds_lease_expiries_total{cluster=\"" + cluster + "\"}");
    return Double.isNaN(n) ? 0 : (int) n;
  }

  private static Duration secs(long s) {
    return Duration.ofSeconds(s);
  }
}
