package io.loadeds.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness still runs: one tiny scenario of each kind (fan-out, churn, watch one of K,
 * registration throughput, heap per stream) against our server jar, through {@link
 * Bench#measureAll}, and the report renders each. Checks the shape of every figure (present where
 * the scenario's kind has it, absent where not, nothing missed, wrong or stale), never its value:
 * speed is the benchmark's business. Needs the jar built by {@code mvn verify} (failsafe runs it
 * after {@code package}); the real README is never written.
 */
class BenchSmokeIT {
  private static final Set<String> LATENCY =
      Set.of("fanout-1", "fanout-3", "churn-100", "watch-1-of-10");
  private static final Set<String> THROUGHPUT = Set.of("register-0", "register-100");
  private static final String MEMORY = "fanout-3";

  @TempDir Path tmp;

  /** Tiny sizes: 1 and 3 streams, 20 toggles, no real warm-up, half a second of throughput. */
  private BenchConfig config(List<ServerProcess.Kind> servers, String readme) {
    return new BenchConfig(
        false,
        List.of(),
        servers,
        List.of(1, 3),
        20,
        50,
        20,
        200,
        0.5,
        4,
        10,
        4,
        0,
        0.2,
        0.4,
        1,
        System.getProperty("loadeds.serverJar", "target/loadeds-server.jar"),
        List.of(),
        "",
        tmp.resolve("bench/results.json").toString(),
        readme);
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // only against a hang: a loaded machine is slow
  void everyScenarioKindRunsAndReports() throws Exception {
    BenchConfig config = config(List.of(ServerProcess.Kind.OURS), "none");

    List<Measurement> results = Bench.measureAll(config);

    Set<String> all = new java.util.HashSet<>(LATENCY);
    all.addAll(THROUGHPUT);
    assertThat(results).extracting(Measurement::scenario).containsExactlyInAnyOrderElementsOf(all);
    for (Measurement m : results) {
      assertThat(m.server()).isEqualTo(ServerProcess.Kind.OURS.label);
      assertThat(m.clean()).as("%s missed/err/stale/failed requests", m).isTrue();
      assertThat(m.cpuSeconds()).as(m.scenario()).isGreaterThanOrEqualTo(0);
      assertThat(m.rssMb()).as(m.scenario()).isPositive();
      if (LATENCY.contains(m.scenario())) {
        assertLatencyShape(m);
      } else {
        assertThroughputShape(m);
      }
      if (m.scenario().equals(MEMORY)) {
        assertThat(m.heapPerStreamKb()).as("heap per stream of " + MEMORY).isNotNull();
        assertThat(m.transportHeapPerStreamKb()).as("transport's share of it").isNotNull();
        assertThat(m.keptHeapPerStreamKb()).as("what outlives the streams").isNotNull();
        assertThat(m.ownHeapPerStreamKb()).as("our own share of it").isNotNull();
        assertThat(m.xdsClassesPerStreamBytes()).as("our xDS classes' share").isPositive();
      } else {
        assertThat(m.heapPerStreamKb()).as(m.scenario()).isNull();
        assertThat(m.transportHeapPerStreamKb()).as(m.scenario()).isNull();
        assertThat(m.keptHeapPerStreamKb()).as(m.scenario()).isNull();
        assertThat(m.xdsClassesPerStreamBytes()).as(m.scenario()).isNull();
      }
    }

    Report report = new Report(config, results, 1);
    String table = report.table();
    all.forEach(s -> assertThat(table).contains(s + " "));
    report.writeJson();
    JsonNode json = new ObjectMapper().readTree(Path.of(config.out()).toFile());
    List<String> inJson = new ArrayList<>();
    json.get("results").forEach(r -> inJson.add(r.get("scenario").asText()));
    assertThat(inJson).containsExactlyInAnyOrderElementsOf(all);
    assertThat(json.get("results").get(0).has("lastP99")).isTrue();

    assertReadmeBlock(results);
  }

  private static void assertLatencyShape(Measurement m) {
    String s = m.scenario();
    assertThat(m.streams()).as(s).isPositive();
    assertThat(m.changes()).as(s).isPositive();
    assertThat(m.responses()).as(s).isPositive();
    List<Double> first = List.of(m.firstP50(), m.firstP99(), m.firstMax());
    List<Double> last = List.of(m.lastP50(), m.lastP99(), m.lastMax());
    for (List<Double> p : List.of(first, last)) {
      assertThat(p).as(s).allSatisfy(v -> assertThat(v).isNotNull().isGreaterThanOrEqualTo(0));
      assertThat(p).as(s + " percentiles in order").isSorted();
    }
    assertThat(m.responsesPerChange()).as(s).isNotNull().isPositive();
    assertThat(m.requestsPerSecond()).as(s).isNull();
    // 0.2 s fixed, at most 0.4 s more while the server's JIT is busy (it is, this early)
    assertThat(m.warmupSeconds()).as(s + " warm-up").isBetween(0.19, 0.61);
    assertThat(m.jitShare()).as(s + " JIT share of the last warm-up slice").isNotNull().isNotNaN();
    assertThat(m.jitShare()).as(s).isGreaterThanOrEqualTo(0);
  }

  private static void assertThroughputShape(Measurement m) {
    String s = m.scenario();
    assertThat(m.requestsPerSecond()).as(s).isNotNull().isPositive();
    assertThat(m.failedRequests()).as(s).isZero();
    assertThat(m.serverMicrosPerRequest()).as(s).isNotNull().isPositive();
    assertThat(m.lastP99()).as(s).isNull();
    assertThat(m.responsesPerChange()).as(s).isNull();
  }

  /**
   * The README block compares two servers; our figures posing as both make every row render (ratio
   * 1), written to a copy of a README, never the real one.
   */
  private void assertReadmeBlock(List<Measurement> ours) throws Exception {
    Path readme = tmp.resolve("README.md");
    String before = "# Title\n\nprose\n\n" + Report.START + "\nold figures\n" + Report.END + "\n";
    String after = "\nmore prose\n";
    Files.writeString(readme, before + after);
    List<Measurement> both = new ArrayList<>(ours);
    ours.forEach(m -> both.add(relabel(m, ServerProcess.Kind.THEIRS)));
    BenchConfig config =
        config(List.of(ServerProcess.Kind.OURS, ServerProcess.Kind.THEIRS), readme.toString());

    new Report(config, both, 1).rewriteReadme();

    String text = Files.readString(readme, StandardCharsets.UTF_8);
    assertThat(text)
        .startsWith("# Title\n\nprose\n\n" + Report.START)
        .endsWith(Report.END + "\n" + after);
    assertThat(text).doesNotContain("old figures");
    Set<String> rows =
        text.lines()
            .filter(l -> l.startsWith("| "))
            .map(l -> l.split(" \\| ")[0] + " | " + l.split(" \\| ")[1])
            .collect(Collectors.toSet());
    for (String s : LATENCY) {
      assertThat(rows)
          .contains("| " + s + " | last p99 ms", "| " + s + " | responses/stream/change");
    }
    for (String s : THROUGHPUT) {
      assertThat(rows)
          .contains(
              "| " + s + " | registrations/s",
              "| " + s + " | server CPU us/registration",
              "| " + s + " | harness CPU us/registration");
    }
    assertThat(rows)
        .contains(
            "| " + MEMORY + " | heap KB/stream",
            "| " + MEMORY + " | heap KB/stream (transport)",
            "| " + MEMORY + " | heap KB/stream (kept after close)",
            "| " + MEMORY + " | heap KB/stream (ours)",
            "| " + MEMORY + " | heap B/stream (xDS classes)");
  }

  private static Measurement relabel(Measurement m, ServerProcess.Kind kind) {
    return new Measurement(
        m.scenario(),
        kind.label,
        m.streams(),
        m.changes(),
        m.firstP50(),
        m.firstP99(),
        m.firstMax(),
        m.lastP50(),
        m.lastP99(),
        m.lastMax(),
        m.responsesPerChange(),
        m.responses(),
        m.missed(),
        m.errors(),
        m.stale(),
        m.requestsPerSecond(),
        m.requests(),
        m.failedRequests(),
        m.cpuSeconds(),
        m.harnessCpuSeconds(),
        m.rssMb(),
        m.heapPerStreamKb(),
        m.transportHeapPerStreamKb(),
        m.keptHeapPerStreamKb(),
        m.xdsClassesPerStreamBytes(),
        m.warmupSeconds(),
        m.jitShare());
  }
}
