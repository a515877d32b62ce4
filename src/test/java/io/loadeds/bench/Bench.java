package io.loadeds.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The benchmark of issue 5: every scenario against our server and the java-control-plane stand-in,
 * each in a fresh JVM, alternating which goes first. Prints a table, writes {@code
 * target/bench/results.json} and rewrites the marked block of the README. Run it with {@code mvn
 * -Dbench -DskipTests verify} (see the README's "Benchmarks").
 */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) throws Exception {
    BenchConfig config = BenchConfig.fromSystemProperties();
    long start = System.nanoTime();
    List<Measurement> results = measureAll(config);
    Report report = new Report(config, results, (System.nanoTime() - start) / 1e9);
    System.out.println();
    System.out.print(report.table());
    System.out.print(report.ratios());
    report.writeJson();
    report.rewriteReadme();
    if (results.stream().anyMatch(m -> !m.clean())) {
      System.out.println(
          "bench: some runs missed changes or saw wrong states (see missed/err/stale)");
      System.exit(1);
    }
  }

  /**
   * Runs every scenario {@code config} selects against each of its servers, in a fresh process per
   * run, alternating which server goes first; one Measurement per run, in run order. Also the entry
   * point of the smoke test ({@code BenchSmokeIT}).
   */
  static List<Measurement> measureAll(BenchConfig config) throws Exception {
    List<Measurement> results = new ArrayList<>();
    int turn = 0;
    for (Scenario s : Scenario.all(config)) {
      for (int round = 0; round < s.rounds(); round++) {
        List<ServerProcess.Kind> order = new ArrayList<>(config.servers());
        if (turn++ % 2 == 1) {
          Collections.reverse(order);
        }
        for (ServerProcess.Kind kind : order) {
          System.out.printf("bench: %-14s on %-18s ...%n", s.name(), kind.label);
          Measurement m = Runner.run(config, s, kind);
          results.add(m);
          System.out.println("bench:   " + Report.row(m));
        }
      }
    }
    return results;
  }
}
