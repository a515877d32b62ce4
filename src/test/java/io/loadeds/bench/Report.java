package io.loadeds.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/** The terminal table, the JSON file and the README block of one run. */
final class Report {
  static final String START = "<!-- bench:start -->";
  static final String END = "<!-- bench:end -->";

  /**
   * One figure compared. With several rounds, {@code ours} and {@code theirs} are the medians of
   * each server's figures, {@code ratio} the median of the per-round ratios (ours / theirs of the
   * same round) and {@code min} / {@code max} their range; {@code target} is the target on
   * the ratio, if any.
   */
  record Ratio(
      String scenario,
      String metric,
      double ours,
      double theirs,
      double ratio,
      double min,
      double max,
      int rounds,
      String target) {

    /** The range of the per-round ratios, or empty for a single round. */
    String range() {
      return rounds < 2 ? "" : String.format("%.2f-%.2f (%d rounds)", min, max, rounds);
    }
  }

  private final BenchConfig config;
  private final List<Measurement> results;
  private final double seconds;

  Report(BenchConfig config, List<Measurement> results, double seconds) {
    this.config = config;
    this.results = results;
    this.seconds = seconds;
  }

  static String row(Measurement m) {
    return String.format(
        "%-14s %-18s %5d %5d | %s %s %s | %s %s %s | %6s | %d/%d/%d | %8s | %6.2f %6.2f %6.0f %7s"
            + " %7s %7s",
        m.scenario(),
        m.server(),
        m.streams(),
        m.changes(),
        f(m.firstP50()),
        f(m.firstP99()),
        f(m.firstMax()),
        f(m.lastP50()),
        f(m.lastP99()),
        f(m.lastMax()),
        m.responsesPerChange() == null ? "-" : String.format("%.2f", m.responsesPerChange()),
        m.missed(),
        m.errors(),
        m.stale(),
        m.requestsPerSecond() == null ? "-" : String.format("%.0f", m.requestsPerSecond()),
        m.cpuSeconds(),
        m.harnessCpuSeconds(),
        m.rssMb(),
        m.heapPerStreamKb() == null ? "-" : String.format("%.1f", m.heapPerStreamKb()),
        m.transportHeapPerStreamKb() == null
            ? "-"
            : String.format("%.1f", m.transportHeapPerStreamKb()),
        m.keptHeapPerStreamKb() == null ? "-" : String.format("%.1f", m.keptHeapPerStreamKb()));
  }

  private static String f(Double v) {
    return v == null ? "     -" : String.format("%6.1f", v);
  }

  String table() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%-14s %-18s %5s %5s | %-20s | %-20s | %6s | %-5s | %8s | %6s %6s %6s %7s %7s %7s%n",
            "scenario",
            "server",
            "N",
            "chg",
            "first ms p50/p99/max",
            "last ms p50/p99/max",
            "resp/c",
            "miss/err/stale",
            "req/s",
            "cpu s",
            "self s",
            "RSS MB",
            "KB/strm",
            "KB/trsp",
            "KB/kept"));
    results.forEach(m -> out.append(row(m)).append('\n'));
    return out.toString();
  }

  List<Ratio> ratioList() {
    List<Ratio> list = new ArrayList<>();
    String biggest =
        "fanout-" + config.fanOut().stream().mapToInt(Integer::intValue).max().orElse(0);
    for (String scenario : results.stream().map(Measurement::scenario).distinct().toList()) {
      boolean big = scenario.equals(biggest);
      boolean churn = scenario.startsWith("churn-");
      // Issue 17's targets: one stream and churn at least as fast as theirs.
      add(
          list,
          scenario,
          "last p50 ms",
          Measurement::lastP50,
          scenario.equals("fanout-1") || churn ? "<= 1.0" : null);
      add(
          list,
          scenario,
          "last p99 ms",
          Measurement::lastP99,
          big ? "<= 0.33" : churn ? "<= 1.0" : null);
      add(
          list,
          scenario,
          "responses/stream/change",
          Measurement::responsesPerChange,
          scenario.equals("watch-1-of-10") ? "ours = 1.00" : null);
      add(
          list,
          scenario,
          "registrations/s",
          Measurement::requestsPerSecond,
          scenario.equals("register-0")
              ? ">= 1.5"
              : scenario.equals("register-100") ? ">= 10" : null);
      // What a registration costs each side: with the harness's client on the same two cores,
      // these bound the rate either server can show here.
      add(list, scenario, "server CPU us/registration", Measurement::serverMicrosPerRequest, null);
      add(
          list,
          scenario,
          "harness CPU us/registration",
          Measurement::harnessMicrosPerRequest,
          null);
      add(list, scenario, "heap KB/stream", Measurement::heapPerStreamKb, "<= 0.5");
      // The total split: what the gRPC transport keeps per stream (Vert.x / Netty HTTP/2 for ours),
      // measured with idle health Watch streams; what is still there once the streams closed; and
      // the rest, the server's own per-stream state.
      add(
          list,
          scenario,
          "heap KB/stream (transport)",
          Measurement::transportHeapPerStreamKb,
          null);
      // What outlives the streams (objects of class loading and the warm-up, pools grown by pushing
      // to all of them at once), not per-stream state; the server's xDS objects are never in it.
      add(
          list,
          scenario,
          "heap KB/stream (kept after close)",
          Measurement::keptHeapPerStreamKb,
          null);
      add(list, scenario, "heap KB/stream (ours)", Measurement::ownHeapPerStreamKb, "ours <= 1 KB");
      // The part of "ours" that can be told apart by class: instances of the server's xDS code.
      add(
          list,
          scenario,
          "heap B/stream (xDS classes)",
          Measurement::xdsClassesPerStreamBytes,
          "ours <= 1024");
      add(list, scenario, "server CPU s", m -> m.cpuSeconds(), null);
      if (big || churn) {
        // Only where pushes saturate the cores: at low rates, idle costs (JIT, GC, timers) would be
        // divided by a handful of responses.
        add(
            list,
            scenario,
            "server CPU us/response",
            Measurement::serverMicrosPerResponse,
            churn ? "< 1.0" : null);
        add(list, scenario, "harness CPU us/response", Measurement::harnessMicrosPerResponse, null);
      }
    }
    return list;
  }

  private void add(
      List<Ratio> list,
      String scenario,
      String metric,
      Function<Measurement, Double> get,
      String target) {
    List<Double> ours = values(scenario, ServerProcess.Kind.OURS, get);
    List<Double> theirs = values(scenario, ServerProcess.Kind.THEIRS, get);
    int rounds = Math.min(ours.size(), theirs.size());
    if (rounds == 0) {
      return;
    }
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      ratios.add(ours.get(i) / theirs.get(i));
    }
    list.add(
        new Ratio(
            scenario,
            metric,
            Stats.median(ours),
            Stats.median(theirs),
            Stats.median(ratios),
            Stats.percentile(ratios, 0),
            Stats.percentile(ratios, 100),
            rounds,
            target));
  }

  /**
   * One server's figure in each round of a scenario, in run order; empty when any round lacks it.
   */
  private List<Double> values(
      String scenario, ServerProcess.Kind kind, Function<Measurement, Double> get) {
    List<Double> values = new ArrayList<>();
    for (Measurement m : results) {
      if (m.scenario().equals(scenario) && m.server().equals(kind.label)) {
        Double v = get.apply(m);
        if (v == null) {
          return List.of();
        }
        values.add(v);
      }
    }
    return values;
  }

  String ratios() {
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%n%-14s %-33s %10s %10s %8s  %-24s %s%n",
                "scenario", "metric", "ours", "theirs", "ratio", "range", "target"));
    for (Ratio r : ratioList()) {
      out.append(
          String.format(
              "%-14s %-33s %10.2f %10.2f %8.2f  %-24s %s%n",
              r.scenario(),
              r.metric(),
              r.ours(),
              r.theirs(),
              r.ratio(),
              r.range(),
              Objects.requireNonNullElse(r.target(), "")));
    }
    return out.toString();
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .orElse(cpu);
    } catch (IOException e) {
      // not Linux: keep the placeholder
    }
    return Runtime.getRuntime().availableProcessors()
        + " cores ("
        + cpu
        + "), Java "
        + System.getProperty("java.version")
        + ", servers at "
        + ServerProcess.HEAP;
  }

  void writeJson() throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    json.put("machine", machine());
    json.put("config", config);
    json.put("seconds", seconds);
    json.put("results", results);
    List<Map<String, Object>> ratios = new ArrayList<>();
    for (Ratio r : ratioList()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", r.scenario());
      m.put("metric", r.metric());
      m.put("ours", r.ours());
      m.put("theirs", r.theirs());
      m.put("ratio", r.ratio());
      m.put("ratioMin", r.min());
      m.put("ratioMax", r.max());
      m.put("rounds", r.rounds());
      m.put("target", r.target());
      ratios.add(m);
    }
    json.put("ratios", ratios);
    Path out = Path.of(config.out());
    Files.createDirectories(out.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
    System.out.println("bench: wrote " + out);
  }

  /** Replaces the text between the README's bench markers with this run's figures. */
  void rewriteReadme() throws IOException {
    if (config.readme().equals("none")) {
      return;
    }
    if (!config.scenarios().isEmpty() || config.servers().size() < 2) {
      // The block states the ratios of a whole run; a partial run would leave it half-true.
      System.out.println(
          "bench: partial run (bench.scenarios/bench.servers); README not rewritten");
      return;
    }
    Path readme = Path.of(config.readme());
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int from = text.indexOf(START);
    int to = text.indexOf(END);
    if (from < 0 || to < from) {
      System.out.println("bench: no " + START + " block in " + readme + "; not rewritten");
      return;
    }
    StringBuilder block = new StringBuilder(START).append('\n');
    block
        .append("Last run: ")
        .append(Instant.now().truncatedTo(ChronoUnit.MINUTES))
        .append(config.quick() ? " (quick mode)" : " (full mode)")
        .append(", ")
        .append(machine())
        .append(", ")
        .append(String.format("%.0f s", seconds))
        .append(".\n\n");
    block.append(
        "| scenario | figure | LoadEDS | java-control-plane | ratio | ratio range | target |\n");
    block.append("|---|---|---:|---:|---:|---|---|\n");
    for (Ratio r : ratioList()) {
      block.append(
          String.format(
              "| %s | %s | %.2f | %.2f | %.2f | %s | %s |%n",
              r.scenario(),
              r.metric(),
              r.ours(),
              r.theirs(),
              r.ratio(),
              r.range(),
              Objects.requireNonNullElse(r.target(), "")));
    }
    String text2 = text.substring(0, from) + block + text.substring(to);
    Files.writeString(readme, text2, StandardCharsets.UTF_8);
    System.out.println("bench: rewrote the benchmark block of " + readme);
  }
}
