package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, load, across real processes on loopback: the server jar in its own JVM with a fixed
 * heap; 100 ADS streams (raw grpc-java, each its own node id, every response ACKed) watch 10
 * clusters while registrations, load reports that flip endpoints between full and not full, and
 * deregistrations arrive over four pipelined HTTP/1.1 connections at 1000 a second for 60 s. Then a
 * last change to every cluster: one ends with all endpoints full, one with none, the others with a
 * weight-only change (the kind the server may coalesce). Asserted:
 *
 * <ul>
 *   <li>the writers got at least 90% of the rate they asked for, no 5xx, and every answer their own
 *       model of the registry predicts; the registry ends holding exactly that model;
 *   <li>no lost update: every stream converges within a few seconds of the last write to the
 *       assignments that the registry's final state implies (the 100% drop for the full cluster, an
 *       empty assignment for the one without endpoints);
 *   <li>the heap after a full GC grew by less than a leak of 200 bytes per request would add;
 *   <li>Vert.x never warned that an event loop was blocked, and nothing was logged as SEVERE.
 * </ul>
 *
 * The server runs without the per-client rate limit (all writers share one address) and without the
 * warm-up (nothing is restarted here). The figures are printed on one line starting with {@code
 * LoadIT:}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LoadIT {
  private static final int STREAMS = 100;
  private static final int STREAMS_PER_CONNECTION = 25;
  private static final int CLUSTERS = 10;
  private static final int RATE = 1000;
  private static final Duration LOAD = Duration.ofSeconds(60);
  private static final int CONNECTIONS = 4;
  private static final long SEED = 6;
  private static final String ALL_FULL = "load-0";
  private static final String GONE = "load-1";
  private static final Duration CONVERGENCE = Duration.ofSeconds(5);
  // 60 000 requests retaining 200 bytes each; a live set that does not grow with the requests
  // stays far below it (the registry ends about as large as it starts).
  private static final long HEAP_GROWTH_LIMIT = 12L << 20;
  private static final Pattern G1_USED = Pattern.compile("garbage-first heap.*used (\\d+)K");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<EdsWatcher> watchers = new ArrayList<>();
  private JavaProcess server;
  private RegistrationLoad load;
  private int port;

  @AfterEach
  void stopAll() throws InterruptedException {
    if (load != null) {
      load.close();
    }
    watchers.forEach(EdsWatcher::cancel);
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void streamsEndAtTheRegistrysFinalStateUnderAThousandRegistrationsASecond() throws Exception {
    server =
        JavaProcess.start(
            "server",
            "loadeds.serverJar",
            // A fixed heap, and G1 named so that GC.heap_info has the one line read below.
            List.of("-Xms256m", "-Xmx256m", "-XX:+UseG1GC"),
            "--host=127.0.0.1",
            "--port=0",
            "--registrations-per-second-per-client=0",
            "--warm-up=0");
    port = server.awaitLoopbackPort(30_000);

    Map<String, Integer> sizes = new LinkedHashMap<>();
    for (int c = 0; c < CLUSTERS; c++) {
      sizes.put("load-" + c, 3 + 3 * c); // load-0 is small, so it is often all full
    }
    load = new RegistrationLoad(port, sizes, CONNECTIONS, SEED);
    List<String> clusters = load.clusters();
    load.registerAll();
    openWatchers(clusters);
    awaitConverged(expected(clusters), System.nanoTime(), Duration.ofSeconds(30));
    long heapBefore = heapAfterGc();
    long responsesBefore = responses();

    RegistrationLoad.Result result = load.run(RATE, LOAD);
    long pushed = responses() - responsesBefore;
    System.out.printf(
        "LoadIT: %d requests in %.1f s = %.0f/s over %d connections, statuses %s, %d transport"
            + " errors, latency p50 %.1f ms p99 %.1f ms max %.1f ms; %d streams got %d responses%n",
        result.requests(),
        result.elapsed().toMillis() / 1e3,
        result.perSecond(),
        CONNECTIONS,
        result.statuses(),
        result.transportErrors(),
        result.latencyMillis()[0],
        result.latencyMillis()[1],
        result.latencyMillis()[2],
        STREAMS,
        pushed);
    load.finish(ALL_FULL, GONE);
    long lastWrite = System.nanoTime();
    Map<String, JsonNode> finalState = registry(clusters);
    Map<String, AssignmentShape> expected = new TreeMap<>();
    finalState.forEach((c, json) -> expected.put(c, AssignmentShape.expected(json)));
    Duration converged = awaitConverged(expected, lastWrite, CONVERGENCE);
    long heapAfter = heapAfterGc();
    System.out.printf(
        "LoadIT: converged %d ms after the last write; heap after GC %.1f MB -> %.1f MB (%+.2f"
            + " MB)%n",
        converged.toMillis(),
        heapBefore / 1048576.0,
        heapAfter / 1048576.0,
        (heapAfter - heapBefore) / 1048576.0);

    assertThat(pushed).as("responses to the streams during the load").isGreaterThan(10L * STREAMS);
    assertThat(result.perSecond()).as("registrations a second").isGreaterThanOrEqualTo(0.9 * RATE);
    assertThat(result.serverErrors()).as("5xx answers").isZero();
    assertThat(result.transportErrors()).as("requests without an answer").isZero();
    assertThat(result.mismatches()).as("answers the writers' model did not predict").isEmpty();
    assertThat(held(finalState)).as("what the registry holds").isEqualTo(load.model());
    assertThat(expected.get(ALL_FULL).dropAll()).as(ALL_FULL + " drops everything").isTrue();
    assertThat(expected.get(GONE).endpoints()).as(GONE + " has no endpoints").isEmpty();
    assertThat(heapAfter - heapBefore).as("heap growth, bytes").isLessThan(HEAP_GROWTH_LIMIT);
    assertThat(server.linesMatching("has been blocked for"))
        .as("Vert.x blocked-thread warnings")
        .isEmpty();
    assertThat(server.linesMatching("SEVERE")).as("SEVERE log lines").isEmpty();
  }

  /** Opens the streams, {@value #STREAMS_PER_CONNECTION} to an HTTP/2 connection. */
  private void openWatchers(List<String> clusters) {
    for (int i = 0; i < STREAMS; i++) {
      if (i % STREAMS_PER_CONNECTION == 0) {
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .directExecutor() // the callbacks only record and ACK
                .build());
      }
      watchers.add(EdsWatcher.open(channels.get(channels.size() - 1), "load-it-" + i, clusters));
    }
  }

  /**
   * Waits until every stream holds {@code expected} of every cluster and returns how long after
   * {@code since} (a {@link System#nanoTime} value) that was; fails at once when a stream breaks,
   * and {@code within} after {@code since} naming what differs.
   */
  private Duration awaitConverged(
      Map<String, AssignmentShape> expected, long since, Duration within)
      throws InterruptedException {
    long deadline = since + within.toNanos();
    while (true) {
      List<String> differences = new ArrayList<>();
      for (EdsWatcher w : watchers) {
        assertThat(w.failure()).as("stream failure").isNull();
        expected.forEach(
            (cluster, shape) -> {
              AssignmentShape holds = w.holds(cluster);
              if (!shape.equals(holds)) {
                differences.add(
                    w.nodeId() + " holds " + cluster + " as " + holds + ", not as " + shape);
              }
            });
      }
      if (differences.isEmpty()) {
        return Duration.ofNanos(System.nanoTime() - since);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            differences.size()
                + " stream assignments differ from the registry's after "
                + within
                + ", e.g. "
                + differences.subList(0, Math.min(3, differences.size())));
      }
      Thread.sleep(20);
    }
  }

  private Map<String, AssignmentShape> expected(List<String> clusters) throws Exception {
    Map<String, AssignmentShape> out = new TreeMap<>();
    registry(clusters).forEach((c, json) -> out.put(c, AssignmentShape.expected(json)));
    return out;
  }

  /** {@code GET /v1/clusters/{c}} of every cluster; a null value for a 404. */
  private Map<String, JsonNode> registry(List<String> clusters) throws Exception {
    Map<String, JsonNode> out = new TreeMap<>();
    for (String c : clusters) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/clusters/" + c))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("GET " + c + ": " + r.body()).isIn(200, 404);
      out.put(c, r.statusCode() == 404 ? null : JSON.readTree(r.body()));
    }
    return out;
  }

  /** Per cluster with live endpoints, each one's {@code "active state"}, as the model has it. */
  private static Map<String, Map<String, String>> held(Map<String, JsonNode> registry) {
    Map<String, Map<String, String>> out = new TreeMap<>();
    registry.forEach(
        (cluster, json) -> {
          if (json == null) {
            return;
          }
          for (JsonNode e : json.path("endpoints")) {
            out.computeIfAbsent(cluster, c -> new TreeMap<>())
                .put(
                    e.path("id").asText(),
                    e.path("active").asInt() + " " + e.path("state").asText());
          }
        });
    return out;
  }

  private long responses() {
    return watchers.stream().mapToLong(EdsWatcher::responses).sum();
  }

  /** The server's heap in use right after a full GC ({@code jcmd GC.run}, {@code GC.heap_info}). */
  private long heapAfterGc() throws Exception {
    server.jcmd("GC.run");
    String info = server.jcmd("GC.heap_info");
    Matcher m = G1_USED.matcher(info);
    assertThat(m.find()).as("G1 heap line in " + info).isTrue();
    return Long.parseLong(m.group(1)) * 1024;
  }
}
