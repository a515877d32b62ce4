package io.loadeds.bench.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.loadeds.config.ExtProcConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.extproc.ExchangeEngine;
import io.loadeds.extproc.Headers;
import io.loadeds.extproc.ProcessorCatalog;
import io.loadeds.extproc.ProcessorChain;
import io.loadeds.extproc.ProcessorEnvironment;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.Registration;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ext_proc bench: what the processor path costs per message and how many messages a second go
 * through it, for the built-in chain ({@code request-id,load-shedding}) with a registered cluster.
 *
 * <ul>
 *   <li>in-process: the {@link ExchangeEngine} alone, no network: the SDK's own cost per phase;
 *   <li>LoadEDS: the real server's port (Vert.x gRPC), driven by grpc-java as Envoy would drive it;
 *   <li>grpc-java: the same engine behind a plain grpc-java service ({@link GrpcJavaProcessor}),
 *       driven by the same client: what a Java processor on grpc-java would cost beside it.
 * </ul>
 *
 * <p>Latency: one exchange at a time, the round trip of each phase (p50/p99 in µs). Throughput:
 * {@code bench.extproc.concurrency} exchanges in flight for {@code bench.extproc.seconds}. Client
 * and servers share the machine, so the figures are for comparison, not capacity planning.
 *
 * <p>Run: {@code mvn -Dbench -DskipTests test-compile exec:exec@extproc}; knobs as system
 * properties in {@code bench.extproc.args}.
 */
public final class ExtProcBench {
  private static final int SECONDS = Integer.getInteger("bench.extproc.seconds", 5);
  private static final int CONCURRENCY = Integer.getInteger("bench.extproc.concurrency", 32);
  private static final int EXCHANGES = Integer.getInteger("bench.extproc.exchanges", 2000);
  private static final List<String> CHAIN = List.of("request-id", "load-shedding");

  private ExtProcBench() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
            .withExtProc(ExtProcConfig.defaults().withProcessors(CHAIN));
    LoadEdsServer loadeds = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await();
    loadeds
        .registry()
        .register(
            new EndpointKey("shop", "a"),
            // A lease that outlives the run: expired, the cluster would be shed (503) mid-bench.
            Registration.of("10.0.0.1", 8080).withLoad(100, 3).withTtl(Duration.ofHours(1)));
    ProcessorChain chain =
        ProcessorCatalog.chain(
            new ProcessorEnvironment(
                loadeds.registry()::cluster, config.extProc(), Clock.systemUTC()));
    Server grpcJava =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(new GrpcJavaProcessor(chain))
            .build()
            .start();
    List<String> rows = new ArrayList<>();
    ManagedChannel toLoadeds = channel(loadeds.port());
    ManagedChannel toGrpcJava = channel(grpcJava.getPort());
    try {
      // Warm both sides of every path first (JIT, connections), so the order does not favour one.
      inProcess(chain);
      warm(toLoadeds);
      warm(toGrpcJava);
      rows.add(inProcess(chain));
      rows.add(measure("LoadEDS (Vert.x gRPC)", toLoadeds));
      rows.add(measure("grpc-java (Netty)", toGrpcJava));
    } finally {
      toLoadeds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      toGrpcJava.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      grpcJava.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      loadeds.close().await();
      vertx.close().await();
    }
    System.out.printf(
        Locale.ROOT,
        "%n## ext_proc bench: chain %s, %d phases per exchange, %d exchanges for latency,"
            + " %d in flight for %d s, %d cores%n%n",
        String.join(",", CHAIN),
        Exchanges.PHASES.size(),
        EXCHANGES,
        CONCURRENCY,
        SECONDS,
        Runtime.getRuntime().availableProcessors());
    StringBuilder head = new StringBuilder("| path | messages/s |");
    StringBuilder rule = new StringBuilder("|---|---|");
    for (String p : Exchanges.PHASE_NAMES) {
      head.append(' ').append(p).append(" p50/p99 µs |");
      rule.append("---|");
    }
    System.out.println(head);
    System.out.println(rule);
    rows.forEach(System.out::println);
  }

  /** The engine alone: every phase of EXCHANGES × 10 exchanges, timed per phase. */
  private static String inProcess(ProcessorChain chain) {
    int n = EXCHANGES * 10;
    long[][] ns = new long[Exchanges.PHASES.size()][n];
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      ExchangeEngine engine = chain.open(i, Headers.empty());
      for (int p = 0; p < Exchanges.PHASES.size(); p++) {
        ProcessingRequest r = Exchanges.PHASES.get(p);
        long t0 = System.nanoTime();
        engine.process(r);
        ns[p][i] = System.nanoTime() - t0;
      }
      engine.end();
    }
    double rate = (double) n * Exchanges.PHASES.size() / ((System.nanoTime() - start) / 1e9);
    return row("in-process (no network)", rate, ns);
  }

  private static ManagedChannel channel(int port) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .build();
  }

  private static void warm(ManagedChannel channel) throws Exception {
    for (int i = 0; i < EXCHANGES / 2; i++) {
      Exchanges.run(channel).get(5, TimeUnit.SECONDS);
    }
    throughput(channel, 1);
  }

  private static String measure(String name, ManagedChannel channel) throws Exception {
    long[][] ns = new long[Exchanges.PHASES.size()][EXCHANGES];
    for (int i = 0; i < EXCHANGES; i++) {
      long[] rtt = Exchanges.run(channel).get(5, TimeUnit.SECONDS);
      for (int p = 0; p < rtt.length; p++) {
        ns[p][i] = rtt[p];
      }
    }
    return row(name, throughput(channel, SECONDS), ns);
  }

  /** Messages a second with CONCURRENCY exchanges in flight for {@code seconds}. */
  private static double throughput(ManagedChannel channel, int seconds) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong messages = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong inFlight = new AtomicLong();
    for (int c = 0; c < CONCURRENCY; c++) {
      Exchanges.loop(channel, stop, messages, errors, inFlight);
    }
    long before = messages.get();
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    double rate = (messages.get() - before) / ((System.nanoTime() - t0) / 1e9);
    stop.set(true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10); // let the exchanges in flight finish before the next measurement
    }
    if (errors.get() > 0) {
      System.err.println(errors.get() + " exchanges failed");
    }
    return rate;
  }

  private static String row(String name, double rate, long[][] ns) {
    StringBuilder out = new StringBuilder("| " + name + " | ");
    out.append(String.format(Locale.ROOT, "%,.0f", rate)).append(" |");
    for (long[] phase : ns) {
      long[] sorted = phase.clone();
      Arrays.sort(sorted);
      out.append(
          String.format(
              Locale.ROOT, " %.1f / %.1f |", pct(sorted, 50) / 1e3, pct(sorted, 99) / 1e3));
    }
    return out.toString();
  }

  /** Nearest-rank percentile of sorted values. */
  private static long pct(long[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
