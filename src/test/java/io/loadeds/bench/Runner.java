package io.loadeds.bench;

import io.loadeds.testing.Heap;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Runs one scenario against one freshly started server and measures it. */
final class Runner {
  private final BenchConfig config;
  private final Scenario scenario;
  private final ServerProcess server;
  private final List<ClusterModel> clusters = new ArrayList<>();

  /** Warm-up slices whose JIT time is measured, in seconds. */
  private static final double SLICE_SECONDS = 5;

  /** The JIT's share of one core under which a warm-up slice counts as quiet. */
  static final double QUIET_JIT_SHARE = 0.02;

  private int tag = 2; // weights 2.. mark admissions; the initial weight is 1
  private int sequence;

  private Runner(BenchConfig config, Scenario scenario, ServerProcess server) {
    this.config = config;
    this.scenario = scenario;
    this.server = server;
    for (int c = 0; c < config.clusters(); c++) {
      // Same seed for both servers: they see the same sequence of changes.
      clusters.add(new ClusterModel(c, config.endpoints(), 42 + c));
    }
  }

  static Measurement run(BenchConfig config, Scenario scenario, ServerProcess.Kind kind)
      throws Exception {
    try (ServerProcess server = ServerProcess.start(kind, config)) {
      try {
        return new Runner(config, scenario, server).measure();
      } catch (Exception | AssertionError e) {
        throw new IllegalStateException(
            kind.label + " / " + scenario.name() + ": " + e + "\n" + server.lastOutput(), e);
      }
    }
  }

  private Measurement measure() throws Exception {
    try (Rest rest = new Rest(server.restPort)) {
      return measure(rest);
    }
  }

  private Measurement measure(Rest rest) throws Exception {
    boolean throughput = scenario.throughputSeconds() > 0;
    rest.registerAll(clusters, throughput ? 1_000_000 : 1);
    String histogramBefore = scenario.memory() ? histogram("before") : null;
    Long heapBefore = histogramBefore == null ? null : live(histogramBefore);
    int k = clusters.size();
    int[] watchers = Fleet.watchers(scenario.streams(), scenario.watchOne(), k);
    ChangeLog log = null;
    if (!throughput) {
      int perCluster =
          (config.fastWarmupToggles(scenario)
                      + config.warmupToggles(scenario)
                      + settleToggles()
                      + scenario.toggles())
                  / k
              + 2;
      log = new ChangeLog(k, perCluster, watchers);
      for (ClusterModel c : clusters) {
        log.append(c.index, c.fingerprint(), false);
      }
    }
    List<String> names = clusters.stream().map(c -> c.name).toList();
    try (Fleet fleet =
        new Fleet(
            server.xdsPort,
            scenario.streams(),
            scenario.watchOne(),
            names,
            log,
            config.nodeExtensions())) {
      if (!fleet.awaitInitial(120_000)) {
        throw new IllegalStateException(
            "streams did not get their first assignments: " + fleet.firstFailure());
      }
      if (throughput) {
        double[] warmup = warmUpThroughput();
        double cpu0 = server.cpuSeconds();
        double self0 = harnessCpuSeconds();
        Throughput.Result r =
            Throughput.run(
                server.restPort, clusters, config.connections(), scenario.throughputSeconds());
        double cpu = server.cpuSeconds() - cpu0;
        return new Measurement(
            scenario.name(),
            server.kind.label,
            scenario.streams(),
            0,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            0,
            0,
            fleet.errors.get(),
            fleet.failedStreams(),
            r.perSecond(),
            r.ok(),
            r.failed(),
            cpu,
            harnessCpuSeconds() - self0,
            server.rssBytes() / 1e6,
            null,
            null,
            null,
            null,
            warmup[0],
            Double.isNaN(warmup[1]) ? null : warmup[1]);
      }
      drive(log, rest, config.fastWarmupToggles(scenario), config.warmupRate(scenario), false);
      double[] warmup = warmUp(log, rest);
      fleet.awaitUpToDate(30_000);
      long responses0 = fleet.responses.get();
      long errors0 = fleet.errors.get();
      double cpu0 = server.cpuSeconds();
      double self0 = harnessCpuSeconds();
      drive(log, rest, scenario.toggles(), scenario.rate(), true);
      fleet.awaitUpToDate(60_000);
      double cpu = server.cpuSeconds() - cpu0;
      double self = harnessCpuSeconds() - self0;
      long responses = fleet.responses.get() - responses0;
      // Taken before the heap figures: the last of them closes the streams (and RSS, before their
      // full GCs and health streams: since 2026-12-04 22:00, so not comparable with earlier runs).
      long errors = fleet.errors.get() - errors0;
      long stale = fleet.staleStreams() + fleet.failedStreams();
      double rssMb = server.rssBytes() / 1e6;
      // Only now: the full GC it forces leaves the server slow for a while (the first changes
      // after it took up to 300 ms), which would land in the measured latencies.
      Double heapPerStream = null;
      Double transportPerStream = null;
      Double keptPerStream = null;
      Double xdsClassesPerStream = null;
      if (heapBefore != null && scenario.streams() > 0) {
        String histogramStreams = histogram("streams");
        heapPerStream = (live(histogramStreams) - heapBefore) / 1024.0 / scenario.streams();
        xdsClassesPerStream =
            (xdsClassBytes(histogramStreams) - xdsClassBytes(histogramBefore))
                / (double) scenario.streams();
        transportPerStream = transportHeapPerStream(histogramStreams);
        fleet.close();
        keptPerStream =
            keptAfterStreamsClosed(heapBefore, histogramBefore) / 1024.0 / scenario.streams();
      }
      return summarize(
          log,
          watchers,
          responses,
          errors,
          stale,
          cpu,
          self,
          rssMb,
          heapPerStream,
          transportPerStream,
          keptPerStream,
          xdsClassesPerStream,
          warmup);
    }
  }

  /**
   * Sends the unmeasured toggles at the scenario's rate: {@code bench.warmupSeconds} of them, then
   * more, a slice at a time, while the server's JIT compilers took more than {@value
   * #QUIET_JIT_SHARE} of a core during the last slice, for at most {@code bench.settleSeconds} more
   * (the harness's own compilers must be quiet too, see {@link #harnessJitSeconds}). A fixed
   * warm-up was not enough: in churn-100 our server's compilers took 62% of a core in the last 5 s
   * of a 20 s warm-up and 16% in the 5 s after it (the measured seconds, on the two cores
   * everything shares), 0.7% after 30 s; the stand-in's took 1.4% after 20 s. Both servers get the
   * same rule; the figures are printed for every run.
   *
   * @return the seconds of warm-up at the scenario's rate, and the JIT's share of a core in its
   *     last slice
   */
  private double[] warmUp(ChangeLog log, Rest rest) throws Exception {
    double slice = Math.min(SLICE_SECONDS, config.warmupSeconds());
    int sliceToggles = Math.max(1, (int) Math.round(scenario.rate() * slice));
    int fixed = config.warmupToggles(scenario);
    int sent = Math.max(0, fixed - sliceToggles); // the last slice of the fixed part is measured
    drive(log, rest, sent, scenario.rate(), false);
    double share;
    double own;
    do {
      double jit0 = server.jitSeconds();
      double own0 = harnessJitSeconds();
      long t0 = System.nanoTime();
      drive(log, rest, sliceToggles, scenario.rate(), false);
      double took = (System.nanoTime() - t0) / 1e9;
      share = (server.jitSeconds() - jit0) / took;
      own = (harnessJitSeconds() - own0) / took;
      sent += sliceToggles;
    } while (!(share <= QUIET_JIT_SHARE && own <= QUIET_JIT_SHARE)
        && sent < fixed + settleToggles());
    double seconds = sent / (double) scenario.rate();
    report(seconds, share, own, slice);
    return new double[] {seconds, share};
  }

  /**
   * Unmeasured registrations at full speed: a third of the measured time, then slices of it while
   * the server's JIT compilers took more than {@value #QUIET_JIT_SHARE} of a core in the last one,
   * for at most {@code bench.settleSeconds} more (as {@link #warmUp} does for toggles: after the
   * fixed 3.3 s the compilers took half of our server's CPU).
   *
   * @return the seconds of warm-up and the JIT's share of a core in its last slice
   */
  private double[] warmUpThroughput() throws Exception {
    double slice = scenario.throughputSeconds() / 3;
    double seconds = 0;
    double share;
    double own;
    do {
      double jit0 = server.jitSeconds();
      double own0 = harnessJitSeconds();
      Throughput.Result r = Throughput.run(server.restPort, clusters, config.connections(), slice);
      share = (server.jitSeconds() - jit0) / r.seconds();
      own = (harnessJitSeconds() - own0) / r.seconds();
      seconds += r.seconds();
    } while (!(share <= QUIET_JIT_SHARE && own <= QUIET_JIT_SHARE)
        && seconds < slice + config.settleSeconds());
    report(seconds, share, own, slice);
    return new double[] {seconds, share};
  }

  /**
   * The harness's own JIT time so far, in seconds (0 when the JVM does not count it). The harness
   * shares the cores and times the pushes: the first server of a run was measured while the
   * harness's compilers were still busy with its own code (the harness took three times its usual
   * CPU in that round, and that server's fanout-1 p50 twice its other rounds'), so the warm-up
   * waits for both.
   */
  static double harnessJitSeconds() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
      return 0;
    }
    return jit.getTotalCompilationTime() / 1000.0;
  }

  private void report(double seconds, double share, double own, double slice) {
    if (Double.isNaN(share)) {
      // jcmd could not read the counters: the warm-up ran to its cap, and says so.
      System.out.printf(
          "bench:   %s on %s: %.1f s of warm-up, the JIT's time could not be read (jcmd)%n",
          scenario.name(), server.kind.label, seconds);
      return;
    }
    System.out.printf(
        "bench:   %s on %s: %.1f s of warm-up, the JIT took %.1f%% of a core in its last %.1f s"
            + " (the harness's %.1f%%)%s%n",
        scenario.name(),
        server.kind.label,
        seconds,
        share * 100,
        slice,
        own * 100,
        share <= QUIET_JIT_SHARE && own <= QUIET_JIT_SHARE ? "" : " (still busy: measured anyway)");
  }

  /** The most toggles {@link #warmUp} adds while the JIT is busy. */
  private int settleToggles() {
    return (int) Math.round(scenario.rate() * config.settleSeconds());
  }

  /** What the instances of the server's xDS classes (and arrays of them) take in a histogram. */
  private long xdsClassBytes(String histogram) {
    return ServerProcess.bytesOfClasses(histogram, server.kind.xdsClasses, "io.loadeds.bench.jcp.");
  }

  /**
   * The transport's share of a stream's heap, in KB: the heap after GC grows by this much per
   * {@code grpc.health.v1.Health/Watch} stream, opened (as many, as many per connection) on top of
   * the xDS streams, less what the server's own classes (its health service) keep for them, taken
   * from class histograms. A Watch stream is idle after its first answer, so what is left is what
   * the gRPC transport keeps for any stream, connections included. {@code before} is the histogram
   * taken with the xDS streams open, before the health streams.
   */
  private double transportHeapPerStream(String before) throws Exception {
    int n = scenario.streams();
    long heap0 = live(before);
    try (HealthFleet health = new HealthFleet(server.xdsPort, n)) {
      if (!health.awaitAnswered(120_000)) {
        throw new IllegalStateException("health watches did not start: " + health.failure());
      }
      String after = server.histogram();
      long heap1 = live(after);
      if (!config.histogramDir().isEmpty()) {
        ServerProcess.writeHistogram(histogramFile("health"), after);
      }
      long own =
          ServerProcess.bytesOfClasses(after, server.kind.ownClasses)
              - ServerProcess.bytesOfClasses(before, server.kind.ownClasses);
      return (heap1 - heap0 - own) / 1024.0 / n;
    }
  }

  /**
   * The bytes by which the heap after a full GC, once the harness closed every xDS stream, is above
   * the heap before the streams ({@code heapBefore}, from {@code histogramBefore}): objects made by
   * class loading and the warm-up, and pools the transport grew while pushing to all the streams at
   * once. Instances of the server's xDS classes still there are left out: they are state the server
   * keeps for streams gone, so they stay in its own share. The lowest of a few readings a second
   * apart, since the server lets go of a stream only when it has read its reset or its connection's
   * close.
   */
  private long keptAfterStreamsClosed(long heapBefore, String histogramBefore) throws Exception {
    String lowest = null;
    for (int i = 0; i < 3; i++) {
      Thread.sleep(1000);
      String h = server.histogram();
      if (lowest == null || live(h) < live(lowest)) {
        lowest = h;
      }
    }
    if (!config.histogramDir().isEmpty()) {
      ServerProcess.writeHistogram(histogramFile("closed"), lowest);
    }
    long xdsLeft = Math.max(0, xdsClassBytes(lowest) - xdsClassBytes(histogramBefore));
    return live(lowest) - heapBefore - xdsLeft;
  }

  /** The live heap in a histogram of the server; a failed {@code jcmd} fails the run. */
  private static long live(String histogram) {
    long bytes = Heap.liveBytes(histogram);
    if (bytes < 0) {
      throw new IllegalStateException("no class histogram from jcmd: " + histogram);
    }
    return bytes;
  }

  private java.nio.file.Path histogramFile(String when) {
    return java.nio.file.Path.of(
        config.histogramDir(), scenario.name() + "-" + server.kind.label + "-" + when + ".txt");
  }

  /** The server's live-class histogram, saved too when {@code bench.histogramDir} asks for it. */
  private String histogram(String when) throws java.io.IOException, InterruptedException {
    String histogram = server.histogram();
    if (!config.histogramDir().isEmpty()) {
      ServerProcess.writeHistogram(histogramFile(when), histogram);
    }
    return histogram;
  }

  private static double harnessCpuSeconds() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime() / 1e9
        : Double.NaN;
  }

  /**
   * Sends {@code count} toggles at {@code rate} per second, round-robin over the clusters. Changes
   * of one cluster are sent one after the other (the next when the previous was answered), so the
   * server applies them in the order the model made them; clusters go in parallel.
   */
  private void drive(ChangeLog log, Rest rest, int count, int rate, boolean measured)
      throws Exception {
    CompletableFuture<?>[] chains = new CompletableFuture<?>[clusters.size()];
    Arrays.fill(chains, CompletableFuture.completedFuture(null));
    long period = 1_000_000_000L / rate;
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long wait;
      while ((wait = start + i * period - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      int c = sequence++ % clusters.size();
      ClusterModel.Toggle t = clusters.get(c).toggle(tag++);
      chains[c] =
          chains[c].thenCompose(
              v -> {
                log.append(c, t.fingerprint(), measured);
                return rest.send("PATCH", t.path(), t.body());
              });
    }
    CompletableFuture.allOf(chains).get(120, TimeUnit.SECONDS);
  }

  private Measurement summarize(
      ChangeLog log,
      int[] watchers,
      long responses,
      long errors,
      long stale,
      double cpu,
      double harnessCpu,
      double rssMb,
      Double heapPerStream,
      Double transportPerStream,
      Double keptPerStream,
      Double xdsClassesPerStream,
      double[] warmup)
      throws Exception {
    List<Double> first = new ArrayList<>();
    List<Double> last = new ArrayList<>();
    long missed = 0;
    long relevant = 0;
    int changes = 0;
    for (int c = 0; c < log.clusters(); c++) {
      for (int i = 1; i <= log.latest(c); i++) {
        ChangeLog.Change change = log.get(c, i);
        if (!change.measured || watchers[c] == 0) {
          continue;
        }
        changes++;
        relevant += watchers[c];
        if (change.seenBy() > 0) {
          first.add(change.firstMillis());
        }
        if (change.seenBy() >= watchers[c]) {
          last.add(change.lastMillis());
        } else {
          missed++;
        }
      }
    }
    return new Measurement(
        scenario.name(),
        server.kind.label,
        scenario.streams(),
        changes,
        Stats.percentile(first, 50),
        Stats.percentile(first, 99),
        Stats.percentile(first, 100),
        Stats.percentile(last, 50),
        Stats.percentile(last, 99),
        Stats.percentile(last, 100),
        relevant == 0 ? null : responses / (double) relevant,
        responses,
        missed,
        errors,
        stale,
        null,
        0,
        0,
        cpu,
        harnessCpu,
        rssMb,
        heapPerStream,
        transportPerStream,
        keptPerStream,
        xdsClassesPerStream,
        warmup[0],
        Double.isNaN(warmup[1]) ? null : warmup[1]);
  }
}
