package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, self-preservation, across real processes: the server jar and a raw ADS stream watching
 * what an Envoy would hold. When most of a cluster's leases lapse in one reaper pass (what a
 * registry-side network problem looks like), they stay published for {@code
 * registry.selfPreservation.maxHold} and the server says so loudly; a backend that renews meanwhile
 * stays, the rest leave when the hold ends. One dead backend among live ones leaves at once.
 */
@Timeout(120)
class SelfPreservationIT {
  private static final Duration HOLD = Duration.ofSeconds(5);

  private final HttpClient http = HttpClient.newHttpClient();
  private JavaProcess server;
  private ManagedChannel channel;
  private EdsWatcher envoy;
  private int port;

  @AfterEach
  void stopAll() throws InterruptedException {
    if (envoy != null) {
      envoy.cancel();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aMassLapseStaysPublishedForTheHoldWhileOneDeadBackendLeavesAtOnce() throws Exception {
    server =
        JavaProcess.start(
            "server",
            "loadeds.serverJar",
            "--host=127.0.0.1",
            "--port=0",
            "--warm-up=0",
            "--reaper-interval=200ms",
            "--self-preservation-max-hold=" + HOLD.toSeconds() + "s");
    port = server.awaitLoopbackPort(30_000);
    // "partitioned": three backends whose 1 s leases all lapse together, as when the registry loses
    // its network. "mixed": two healthy backends and one that dies.
    for (int i = 1; i <= 3; i++) {
      register("partitioned", "p" + i, 9000 + i, 1);
    }
    register("mixed", "m1", 9101, 60);
    register("mixed", "m2", 9102, 60);
    register("mixed", "dead", 9103, 1);
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    envoy = EdsWatcher.open(channel, "self-preservation-it", List.of("partitioned", "mixed"));

    awaitHeld("mixed", ids -> ids.equals(List.of("m1", "m2")), Duration.ofSeconds(10));
    server.awaitLine("SELF-PRESERVATION for cluster partitioned", 10_000);
    long holdStarted = System.nanoTime();
    // The three leases lapse within one lease length; a reaper pass may fall between them, and a
    // lease that lapsed alone in an earlier pass has expired already. The rest are held.
    Thread.sleep(500); // let the last pushes arrive
    List<String> held = ids("partitioned");
    assertThat(held).as("the cluster is not emptied").hasSizeGreaterThanOrEqualTo(2);
    assertThat(List.of("p1", "p2", "p3")).containsAll(held);

    String renewed = held.get(0);
    register("partitioned", renewed, 9000 + Integer.parseInt(renewed.substring(1)), 60);
    Thread.sleep(HOLD.toMillis() / 2);
    assertThat(ids("partitioned")).as("still held").isEqualTo(held);

    awaitHeld("partitioned", ids -> ids.equals(List.of(renewed)), HOLD.plusSeconds(10));
    Duration published = Duration.ofNanos(System.nanoTime() - holdStarted);
    assertThat(published)
        .as("the lapsed leases were kept for the hold")
        .isGreaterThan(HOLD.minusMillis(500));
    // The log is written by its own thread in batches (AsyncLogHandler), so the line may follow
    // the push that the hold's end caused by a few tens of milliseconds.
    server.awaitLine("self-preservation of cluster partitioned ended after", 5_000);
    assertThat(server.linesMatching("self-preservation of cluster partitioned ended after"))
        .singleElement()
        .asString()
        .contains((held.size() - 1) + " lease(s) still lapsed expire now");
    assertThat(server.linesMatching("SELF-PRESERVATION for cluster mixed")).isEmpty();
    assertThat(envoy.failure()).isNull();
  }

  private void register(String cluster, String id, int port, int ttlSeconds) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + this.port
                            + "/v1/clusters/"
                            + cluster
                            + "/endpoints/"
                            + id))
                .header("content-type", "application/json")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"address\":\"127.0.0.1\",\"port\":"
                            + port
                            + ",\"ttlSeconds\":"
                            + ttlSeconds
                            + "}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
  }

  /** The endpoint ids the simulated Envoy holds for {@code cluster}, sorted. */
  private List<String> ids(String cluster) {
    AssignmentShape shape = envoy.holds(cluster);
    return shape == null
        ? List.of()
        : shape.endpoints().stream().map(e -> e.substring(0, e.indexOf(' '))).sorted().toList();
  }

  private void awaitHeld(String cluster, Predicate<List<String>> wanted, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!wanted.test(ids(cluster))) {
      assertThat(System.nanoTime())
          .as("%s: the Envoy holds %s after %s", cluster, ids(cluster), within)
          .isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
