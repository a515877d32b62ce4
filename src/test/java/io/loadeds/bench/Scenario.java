package io.loadeds.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One measured situation, run against each server in a fresh process.
 *
 * @param name short id, also the key in the JSON
 * @param streams simulated Envoys attached
 * @param watchOne each stream watches 1 of the clusters instead of all
 * @param toggles admission toggles sent (0 for a throughput scenario)
 * @param rate toggles per second
 * @param throughputSeconds how long to measure registration throughput (0: not measured)
 * @param memory measure heap after GC per stream
 * @param rounds how many times to run it against each server, alternating which goes first
 */
record Scenario(
    String name,
    int streams,
    boolean watchOne,
    int toggles,
    int rate,
    double throughputSeconds,
    boolean memory,
    int rounds) {

  /** The scenarios of issue 5, sized by {@code config}, filtered by {@code bench.scenarios}. */
  static List<Scenario> all(BenchConfig config) {
    List<Scenario> list = new ArrayList<>();
    int biggest = config.fanOut().stream().mapToInt(Integer::intValue).max().orElse(0);
    for (int n : config.fanOut()) {
      boolean big = n == biggest;
      list.add(
          new Scenario(
              "fanout-" + n,
              n,
              false,
              config.toggles(),
              config.rate(),
              0,
              big,
              // The single stream's p50 is a fraction of a millisecond, so a stray pause of
              // either server's JVM moves its ratio: it gets the rounds of the largest as well.
              big || n == 1 ? config.rounds() : 1));
    }
    // Churn measures 2 s of 1000 changes/s: one JVM pause or one slow round of ACKs moves its
    // p99, so it gets rounds too.
    list.add(
        new Scenario(
            "churn-100",
            100,
            false,
            config.churnToggles(),
            config.churnRate(),
            0,
            false,
            config.rounds()));
    list.add(
        new Scenario("watch-1-of-10", 100, true, config.toggles(), config.rate(), 0, false, 1));
    list.add(new Scenario("register-0", 0, false, 0, 0, config.throughputSeconds(), false, 1));
    // The stand-in's rate with 100 streams moved from 4,000/s to 12,500/s between runs of one
    // build (ours from 57,000 to 66,000/s), so one round said more about that round than about
    // either server: it gets the rounds as well.
    list.add(
        new Scenario(
            "register-100", 100, false, 0, 0, config.throughputSeconds(), false, config.rounds()));
    return list.stream().filter(s -> config.selected(s.name())).toList();
  }
}
