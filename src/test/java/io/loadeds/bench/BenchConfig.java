package io.loadeds.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The run's settings, from system properties (an empty value means the default). {@code
 * bench.quick=true} shrinks every scenario to N &lt;= 100 and a few seconds each (about a minute).
 *
 * <table>
 *   <tr><td>bench.quick</td><td>false</td></tr>
 *   <tr><td>bench.scenarios</td><td>every scenario; a comma list of names picks some</td></tr>
 *   <tr><td>bench.servers</td><td>ours,theirs</td></tr>
 *   <tr><td>bench.streams</td><td>fan-out sizes: 1,100,1000 (quick: 1,100)</td></tr>
 *   <tr><td>bench.toggles / bench.rate</td><td>200 at 50/s (quick: 100)</td></tr>
 *   <tr><td>bench.churnToggles / bench.churnRate</td><td>2000 at 1000/s (quick: 500)</td></tr>
 *   <tr><td>bench.throughputSeconds / bench.connections</td><td>10 s, 32 (quick: 3 s)</td></tr>
 *   <tr><td>bench.clusters / bench.endpoints</td><td>10 x 10</td></tr>
 *   <tr><td>bench.nodeExtensions</td><td>0: the simulated Envoys' node is an id and a cluster;
 *       N: it is shaped like a real Envoy's with N extensions (300: about 36 KB), and sent with
 *       every request as Envoy does by default</td></tr>
 *   <tr><td>bench.warmupSeconds</td><td>20 s of unmeasured toggles at the scenario's rate (after
 *       10,000 at up to 1,000/s for small fan-outs, see {@link #fastWarmupToggles}) before
 *       each measured phase, so both servers' JIT has settled (quick: 4)</td></tr>
 *   <tr><td>bench.settleSeconds</td><td>up to 100 s more of them while the server's JIT
 *       compilers are still busy, see {@link Runner} (quick: 0); at 40 s the stand-in's were still
 *       busy in fanout-1000, one run in three rounds, and quiet after 55 to 60 s</td></tr>
 *   <tr><td>bench.rounds</td><td>3 rounds of the largest fan-out, of fanout-1, of churn-100 and
 *       of register-100, whose ratios (targets) vary most from run to run; figures are medians
 *       (quick: 1)</td></tr>
 *   <tr><td>bench.serverJar</td><td>target/loadeds-server.jar (under Maven always the jar just
 *       built)</td></tr>
 *   <tr><td>bench.serverJvmArgs</td><td>none; e.g. -XX:StartFlightRecording=filename=s.jfr</td></tr>
 *   <tr><td>bench.histogramDir</td><td>none; a directory gets each memory scenario's live-class
 *       histogram per server (jcmd GC.class_histogram) before the streams, with them, and with the
 *       health watches that measure the transport's share on top, for profiling</td></tr>
 *   <tr><td>bench.out / bench.readme</td><td>target/bench/results.json, README.md ("none" skips)</td></tr>
 * </table>
 */
record BenchConfig(
    boolean quick,
    List<String> scenarios,
    List<ServerProcess.Kind> servers,
    List<Integer> fanOut,
    int toggles,
    int rate,
    int churnToggles,
    int churnRate,
    double throughputSeconds,
    int connections,
    int clusters,
    int endpoints,
    int nodeExtensions,
    double warmupSeconds,
    double settleSeconds,
    int rounds,
    String serverJar,
    List<String> serverJvmArgs,
    String histogramDir,
    String out,
    String readme) {

  static BenchConfig fromSystemProperties() {
    boolean quick = Boolean.parseBoolean(prop("bench.quick", "false"));
    List<ServerProcess.Kind> servers = new ArrayList<>();
    for (String s : prop("bench.servers", "ours,theirs").split(",")) {
      servers.add(ServerProcess.Kind.valueOf(s.trim().toUpperCase()));
    }
    return new BenchConfig(
        quick,
        Arrays.stream(prop("bench.scenarios", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList(),
        servers,
        Arrays.stream(prop("bench.streams", quick ? "1,100" : "1,100,1000").split(","))
            .map(s -> Integer.parseInt(s.trim()))
            .toList(),
        integer("bench.toggles", quick ? 100 : 200),
        integer("bench.rate", 50),
        integer("bench.churnToggles", quick ? 500 : 2000),
        integer("bench.churnRate", 1000),
        Double.parseDouble(prop("bench.throughputSeconds", quick ? "3" : "10")),
        integer("bench.connections", 32),
        integer("bench.clusters", 10),
        integer("bench.endpoints", 10),
        integer("bench.nodeExtensions", 0),
        Double.parseDouble(prop("bench.warmupSeconds", quick ? "4" : "20")),
        Double.parseDouble(prop("bench.settleSeconds", quick ? "0" : "100")),
        integer("bench.rounds", quick ? 1 : 3),
        prop("bench.serverJar", "target/loadeds-server.jar"),
        Arrays.stream(prop("bench.serverJvmArgs", "").split(" "))
            .filter(s -> !s.isBlank())
            .toList(),
        prop("bench.histogramDir", ""),
        prop("bench.out", "target/bench/results.json"),
        prop("bench.readme", "README.md"));
  }

  /**
   * How many unmeasured toggles precede the measured ones of {@code s} at the scenario's rate:
   * {@code bench.warmupSeconds} of them. Small fan-outs get a faster warm-up first ({@link
   * #fastWarmupToggles}).
   */
  int warmupToggles(Scenario s) {
    return (int) Math.round(s.rate() * warmupSeconds);
  }

  /**
   * How many unmeasured toggles are sent at {@link #warmupRate} before the others, when that rate
   * is above the scenario's: 10,000 (quick: 1,000), or what {@code bench.warmupSeconds} allows. The
   * JIT compiles by invocation counts, not by time: 20 s of a single stream at 50 changes/s is
   * 1,000 changes, after which a server's REST and push paths still ran partly interpreted
   * (measured: LoadEDS's fanout-1 p50 fell from about 4 ms to 2 ms with 3,000 more). The slower
   * toggles that follow give the compilers time to drain their queues: measured right after a fast
   * warm-up, the JIT's own CPU showed as the server's. A fan-out of 1,000 runs its push path a
   * thousand times per change and keeps its rate.
   */
  int fastWarmupToggles(Scenario s) {
    if (warmupRate(s) <= s.rate()) {
      return 0;
    }
    return (int) Math.min(quick ? 1_000 : 10_000, Math.round(warmupRate(s) * warmupSeconds));
  }

  /**
   * The rate of the fast warm-up: raised for small fan-outs, to at most 1,000 changes/s and at most
   * 50,000 responses/s over the scenario's streams.
   */
  int warmupRate(Scenario s) {
    return Math.max(s.rate(), Math.min(1_000, 50_000 / Math.max(1, s.streams())));
  }

  boolean selected(String scenario) {
    return scenarios.isEmpty() || scenarios.contains(scenario);
  }

  private static String prop(String key, String fallback) {
    String v = System.getProperty(key);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  private static int integer(String key, int fallback) {
    return Integer.parseInt(prop(key, Integer.toString(fallback)));
  }
}
