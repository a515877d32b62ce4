package io.loadeds.bench.cluster;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.loadeds.snapshot.ResourceType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Scale-out benchmark (issue 13), printing figures, never asserting them: how long from a REST
 * write accepted by one replica until an ADS stream on another replica receives the assignment that
 * shows it, with N replicas on loopback, S streams per replica and W writes a second spread
 * round-robin over the replicas; and, from the same run, the same figure for one lone server.
 *
 * <p>Each of {@code clusters} clusters holds one endpoint with a huge capacity; write {@code i}
 * sets the active count of cluster {@code i % clusters} to {@code i}, so the weight a stream
 * receives names the write. Every stream subscribes to every cluster and records, per write it
 * sees, receive time minus the write's send time; a write superseded before a stream saw it is not
 * counted for that stream. Everything runs on one machine: the harness shares the CPUs with the
 * servers, so read the figures as an upper bound.
 *
 * <p>Run: {@code mvn -Dbench -DskipTests package exec:exec@cluster-bench} (properties {@code
 * -Dcbench.replicas=3 -Dcbench.streams=100 -Dcbench.rate=1000 -Dcbench.seconds=20
 * -Dcbench.warmupSeconds=30 -Dcbench.clusters=20 -Dcbench.serverJvmArgs=...}). Three JVMs that
 * share two cores with the harness take 20-35 s to compile their hot paths at 1000 writes/s: the
 * default warm-up covers that.
 */
public final class ClusterBench {
  private static final String EDS = ResourceType.ENDPOINT.typeUrl();
  private static final int CAPACITY = 100_000_000;

  private final int replicas = Integer.getInteger("cbench.replicas", 3);
  private final int streams = Integer.getInteger("cbench.streams", 100);
  private final int rate = Integer.getInteger("cbench.rate", 1000);
  private final int seconds = Integer.getInteger("cbench.seconds", 20);
  private final int clusters = Integer.getInteger("cbench.clusters", 20);
  private final int warmupSeconds = Integer.getInteger("cbench.warmupSeconds", 30);
  private final String jar = System.getProperty("cbench.serverJar", "target/loadeds-server.jar");
  // The writes go out from one event loop over a bounded pool of kept-alive connections. The JDK
  // client used before opened a connection per request in flight and, on 2 CPUs, started a thread
  // per completion: at 1000 writes/s the harness, not the servers, set the figures.
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  private final HttpClient http =
      vertx.createHttpClient(
          new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000),
          new PoolOptions().setHttp1MaxSize(64));
  private final io.vertx.core.Context context = vertx.getOrCreateContext();
  private volatile String firstFailure;

  public static void main(String[] args) throws Exception {
    new ClusterBench().run();
    System.exit(0);
  }

  private void run() throws Exception {
    System.out.printf(
        "scale-out bench: %d replicas, %d streams per replica, %d writes/s for %d s (after %d s"
            + " of warm-up) over %d clusters%n",
        replicas, streams, rate, seconds, warmupSeconds, clusters);
    Result single;
    try (Replicas one = Replicas.start(jar, 1, false)) {
      single = measure(one);
    }
    Result cluster;
    try (Replicas many = Replicas.start(jar, replicas, true)) {
      cluster = measure(many);
    }
    single.printSame("1 server, write -> stream on it");
    cluster.printSame(replicas + " replicas, write on A -> stream on A");
    cluster.print(replicas + " replicas, write on A -> stream on C (another replica)");
    System.out.println(
        "by second of sending, warm-up included, p50/max ms (1 server): " + single.timeline);
    System.out.println(
        "by second of sending, warm-up included, p50/max ms (replicas, A -> C): "
            + cluster.timeline);
    System.out.println("cores used while measured (1 server): " + single.cpu);
    System.out.println("cores used while measured (replicas): " + cluster.cpu);
    if (firstFailure != null) {
      System.out.println("first failed write: " + firstFailure);
    }
  }

  /** Latencies in microseconds, split by whether the stream's replica took the write. */
  private static final class Result {
    final List<long[]> other = new ArrayList<>();
    final List<long[]> same = new ArrayList<>();
    String timeline = "";
    String cpu = "";
    long sent;
    long failed;
    double seconds;

    void print(String label) {
      print(label, other);
    }

    void printSame(String label) {
      print(label, same);
    }

    private void print(String label, List<long[]> parts) {
      long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
      if (all.length == 0) {
        System.out.printf("%-60s no samples (%d writes sent, %d failed)%n", label, sent, failed);
        return;
      }
      System.out.printf(
          "%-60s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (%d samples; %d writes sent at %.0f/s,"
              + " %d failed)%n",
          label,
          all[(int) (all.length * 0.50)] / 1000.0,
          all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1000.0,
          all[all.length - 1] / 1000.0,
          all.length,
          sent,
          sent / this.seconds,
          failed);
    }
  }

  private Result measure(Replicas servers) throws Exception {
    int n = servers.ports.size();
    for (int c = 0; c < clusters; c++) {
      send(
              servers.ports.get(c % n),
              "PUT",
              c,
              "{\"address\":\"127.0.0."
                  + (c % 250 + 1)
                  + "\",\"port\":"
                  + (20000 + c)
                  + ",\"capacity\":"
                  + CAPACITY
                  + ",\"ttlSeconds\":3600}")
          .join();
    }
    // The first writes warm the JVMs up (JIT, connections) and are not measured.
    int warmupWrites = rate * warmupSeconds;
    int total = warmupWrites + rate * seconds;
    long[] sentAt = new long[total + 1];
    AtomicLongArray answeredAt = new AtomicLongArray(total + 1);
    int[] origin = new int[total + 1];
    List<ManagedChannel> channels = new ArrayList<>();
    List<Watcher> watchers = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      for (int ch = 0; ch < Math.max(1, streams / 50); ch++) {
        channels.add(
            Grpc.newChannelBuilderForAddress(
                    "127.0.0.1", servers.ports.get(r), InsecureChannelCredentials.create())
                // Callbacks on the transport's threads: a hop per response to an executor's
                // thread costs the harness more than the little each Watcher does.
                .directExecutor()
                .build());
      }
    }
    int perReplica = channels.size() / n;
    CountDownLatch primed = new CountDownLatch(n * streams);
    for (int r = 0; r < n; r++) {
      for (int s = 0; s < streams; s++) {
        ManagedChannel channel = channels.get(r * perReplica + s % perReplica);
        watchers.add(new Watcher(r, total, sentAt, origin, primed, warmupWrites).open(channel));
      }
    }
    if (!primed.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("streams did not get their first assignments");
    }
    Result result = new Result();
    List<java.util.concurrent.CompletableFuture<String>> lags = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    long start = System.nanoTime();
    long measuredFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
    long periodNanos = 1_000_000_000L / rate;
    long[] cpuFrom = null;
    long harnessFrom = 0;
    for (int i = 1; i <= total; i++) {
      if (i == warmupWrites + 1) {
        cpuFrom = servers.cpuNanos();
        harnessFrom = harnessCpuNanos();
      }
      long due = start + i * periodNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      int replica = i % n;
      origin[i] = replica;
      sentAt[i] = System.nanoTime();
      int write = i;
      if (n > 1 && (i % rate) == 0) {
        lags.add(lastLags(servers));
      }
      send(servers.ports.get(replica), "PATCH", i % clusters, "{\"active\":" + i + "}")
          .thenAccept(
              code -> {
                answeredAt.set(write, System.nanoTime());
                if (code != 200) {
                  failed.incrementAndGet();
                  firstFailure = firstFailure == null ? "HTTP " + code : firstFailure;
                }
              })
          .exceptionally(
              e -> {
                failed.incrementAndGet();
                firstFailure = firstFailure == null ? e.toString() : firstFailure;
                return null;
              });
    }
    result.seconds = (System.nanoTime() - measuredFrom) / 1e9;
    result.cpu = cpuLine(cpuFrom, servers.cpuNanos(), harnessCpuNanos() - harnessFrom, result);
    Thread.sleep(2000); // let the last pushes arrive
    for (Watcher w : watchers) {
      w.cancel();
      result.other.add(w.latencies(false));
      result.same.add(w.latencies(true));
    }
    channels.forEach(ManagedChannel::shutdownNow);
    result.timeline = timeline(watchers, n, total, sentAt, start, false);
    if (n > 1) {
      result.timeline +=
          "\n  write on A -> stream on A: " + timeline(watchers, n, total, sentAt, start, true);
    }
    result.timeline += "\n  REST answer p50/max ms: " + answers(total, sentAt, answeredAt, start);
    if (n > 1) {
      result.timeline +=
          "\n  replication lag, last apply on each replica, ms: "
              + lags.stream().map(java.util.concurrent.CompletableFuture::join).toList();
    }
    result.sent = total - warmupWrites;
    result.failed = failed.get();
    return result;
  }

  /**
   * The cores each server and the harness used while the measured writes were sent: on a machine
   * whose cores they fill, a write waits for a CPU and the latencies measure the machine.
   */
  private static String cpuLine(long[] from, long[] to, long harnessNanos, Result r) {
    if (from == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    double sum = 0;
    for (int i = 0; i < to.length; i++) {
      double cores = (to[i] - from[i]) / 1e9 / r.seconds;
      sum += cores;
      out.append(i == 0 ? "" : " / ").append(String.format("%.2f", cores));
    }
    double harness = harnessNanos / 1e9 / r.seconds;
    return String.format(
        "%s (%.2f in all), harness %.2f, of %d cores",
        out, sum, harness, Runtime.getRuntime().availableProcessors());
  }

  private static long harnessCpuNanos() {
    return ProcessHandle.current()
        .info()
        .totalCpuDuration()
        .map(java.time.Duration::toNanos)
        .orElse(0L);
  }

  /**
   * Latencies per second of sending, warm-up included, to another replica's streams when there are
   * several: a figure that grows second by second is a backlog, one that stays flat is a delay.
   */
  private String timeline(
      List<Watcher> watchers, int n, int total, long[] sentAt, long start, boolean same) {
    int secondsRun = (int) ((sentAt[total] - start) / 1_000_000_000L) + 1;
    List<List<Long>> bySecond = new ArrayList<>();
    for (int s = 0; s < secondsRun; s++) {
      bySecond.add(new ArrayList<>());
    }
    for (Watcher w : watchers) {
      for (int i = 1; i <= total; i++) {
        long at = w.seenAt.get(i);
        if (at != 0 && (n == 1 || (w.origin[i] == w.replica) == same)) {
          bySecond.get((int) ((sentAt[i] - start) / 1_000_000_000L)).add((at - sentAt[i]) / 1000);
        }
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<Long> l : bySecond) {
      if (l.isEmpty()) {
        out.append(" -");
        continue;
      }
      long[] a = l.stream().mapToLong(Long::longValue).sorted().toArray();
      out.append(String.format(" %d/%d", a[a.length / 2] / 1000, a[a.length - 1] / 1000));
    }
    return out.toString().trim();
  }

  /** Per second of sending: how long the REST answers took. */
  private static String answers(int total, long[] sentAt, AtomicLongArray answeredAt, long start) {
    java.util.TreeMap<Long, List<Long>> bySecond = new java.util.TreeMap<>();
    for (int i = 1; i <= total; i++) {
      if (answeredAt.get(i) != 0) {
        bySecond
            .computeIfAbsent((sentAt[i] - start) / 1_000_000_000L, k -> new ArrayList<>())
            .add((answeredAt.get(i) - sentAt[i]) / 1_000_000);
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<Long> l : bySecond.values()) {
      long[] a = l.stream().mapToLong(Long::longValue).sorted().toArray();
      out.append(String.format(" %d/%d", a[a.length / 2], a[a.length - 1]));
    }
    return out.toString().trim();
  }

  /**
   * Each replica's last replication lag ({@code /v1/debug/cluster}), asked without holding up the
   * sending loop ("x": no answer).
   */
  private java.util.concurrent.CompletableFuture<String> lastLags(Replicas servers) {
    java.util.regex.Pattern last =
        java.util.regex.Pattern.compile("\"lastMillis\"\\s*:\\s*(-?\\d+)");
    List<java.util.concurrent.CompletableFuture<String>> asks = new ArrayList<>();
    for (int port : servers.ports) {
      asks.add(
          request(port, HttpMethod.GET, "/v1/debug/cluster", null)
              .map(
                  body -> {
                    java.util.regex.Matcher m = last.matcher(body.toString());
                    return m.find() ? m.group(1) : "?";
                  })
              .otherwise("x")
              .toCompletionStage()
              .toCompletableFuture());
    }
    return java.util.concurrent.CompletableFuture.allOf(
            asks.toArray(java.util.concurrent.CompletableFuture[]::new))
        .thenApply(
            v ->
                String.join(
                    "/", asks.stream().map(java.util.concurrent.CompletableFuture::join).toList()));
  }

  /** A write; completes with the status. */
  private java.util.concurrent.CompletableFuture<Integer> send(
      int port, String method, int cluster, String body) {
    java.util.concurrent.CompletableFuture<Integer> status =
        new java.util.concurrent.CompletableFuture<>();
    // On the client's own loop, as in io.loadeds.bench.Rest: called from the sending thread, the
    // pool now and then left a request waiting for a connection for ever.
    context.runOnContext(v -> send(port, method, cluster, body, status));
    return status;
  }

  private void send(
      int port,
      String method,
      int cluster,
      String body,
      java.util.concurrent.CompletableFuture<Integer> status) {
    http.request(
            new RequestOptions()
                .setMethod(HttpMethod.valueOf(method))
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI("/v1/clusters/c" + cluster + "/endpoints/e")
                .setTimeout(30_000)
                .putHeader("content-type", "application/json"))
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(
            (code, err) -> {
              if (err != null) {
                status.completeExceptionally(err);
              } else {
                status.complete(code);
              }
            });
  }

  /** A request's body, failed on a status other than 200. */
  private Future<Buffer> request(int port, HttpMethod method, String uri, String body) {
    io.vertx.core.Promise<Buffer> answer = io.vertx.core.Promise.promise();
    context.runOnContext(v -> onLoop(port, method, uri, body).onComplete(answer));
    return answer.future();
  }

  private Future<Buffer> onLoop(int port, HttpMethod method, String uri, String body) {
    return http.request(
            new RequestOptions()
                .setMethod(method)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(uri)
                .setTimeout(5_000))
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(
            resp ->
                resp.statusCode() == 200
                    ? resp.body()
                    : Future.failedFuture("HTTP " + resp.statusCode()));
  }

  /** One ADS stream subscribed to every cluster, ACKing each response and timing each write. */
  private final class Watcher
      implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
    private final int replica;
    private final long[] sentAt;
    private final int[] origin;
    private final CountDownLatch primed;
    private final int warmupWrites;
    private final AtomicLongArray seenAt;
    private final long[] lastSeen = new long[clusters];
    private final List<String> names = new ArrayList<>();
    private final Node node;
    private ClientCallStreamObserver<DiscoveryRequest> requests;
    private int primedClusters;

    Watcher(
        int replica, int total, long[] sentAt, int[] origin, CountDownLatch primed, int warmup) {
      this.replica = replica;
      this.warmupWrites = warmup;
      this.sentAt = sentAt;
      this.origin = origin;
      this.primed = primed;
      this.seenAt = new AtomicLongArray(total + 1);
      for (int c = 0; c < clusters; c++) {
        names.add("c" + c);
      }
      this.node =
          Node.newBuilder()
              .setId("cbench-" + replica + "-" + System.identityHashCode(this))
              .build();
    }

    Watcher open(ManagedChannel channel) {
      AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(EDS)
              .addAllResourceNames(names)
              .build());
      return this;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> r) {
      this.requests = r;
    }

    @Override
    public void onNext(DiscoveryResponse r) {
      long now = System.nanoTime();
      try {
        for (Any any : r.getResourcesList()) {
          ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
          int c = Integer.parseInt(cla.getClusterName().substring(1));
          for (LocalityLbEndpoints l : cla.getEndpointsList()) {
            for (LbEndpoint e : l.getLbEndpointsList()) {
              long write = CAPACITY - e.getLoadBalancingWeight().getValue();
              if (lastSeen[c] == 0 && primedClusters < clusters) {
                primedClusters++;
                if (primedClusters == clusters) {
                  primed.countDown();
                }
              }
              if (write > lastSeen[c] && write < seenAt.length() && sentAt[(int) write] != 0) {
                seenAt.set((int) write, now);
              }
              lastSeen[c] = Math.max(lastSeen[c], Math.max(1, write));
            }
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(EDS)
              .addAllResourceNames(names)
              .setVersionInfo(r.getVersionInfo())
              .setResponseNonce(r.getNonce())
              .build());
    }

    /** Microseconds from send to receipt, for writes taken by this replica or by others. */
    long[] latencies(boolean sameReplica) {
      List<Long> out = new ArrayList<>();
      for (int i = warmupWrites + 1; i < seenAt.length(); i++) {
        long at = seenAt.get(i);
        if (at != 0 && (origin[i] == replica) == sameReplica) {
          out.add((at - sentAt[i]) / 1000);
        }
      }
      return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    void cancel() {
      requests.cancel("bench done", null);
    }
  }
}
