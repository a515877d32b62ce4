package io.loadeds.lrs;

import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.loadeds.registry.ObservedLoad;
import io.loadeds.registry.Registry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Adds up what every LRS client reports, per endpoint, and hands the registry the one figure it
 * combines with the backends' own reports: requests in progress, summed over the clients (the
 * latest report of each counts; see {@link Registry#observe}).
 *
 * <p>Each client's latest report replaces its previous one as a whole. A client's figures stop
 * counting when its stream ends, or when it has been silent for two reporting intervals ({@link
 * #sweep}). What names an unknown cluster, or no single endpoint, is ignored and counted.
 *
 * <p>Thread-safe: every method holds this object's monitor for a short, in-memory step (the
 * registry call included: the registry never calls back into this class). Time comes from the
 * injected {@link Clock}.
 */
public final class LoadAggregator {
  /** One reporting client: its stream, node id, last report and figures by endpoint. */
  private static final class Client {
    final String node;
    Instant lastReport;
    Map<EndpointRef, EndpointFigures> figures = Map.of();

    Client(String node, Instant now) {
      this.node = node;
      this.lastReport = now;
    }
  }

  /** A client as {@code /v1/debug/lrs} shows it. */
  public record ClientView(long stream, String node, Instant lastReport, int endpoints) {}

  /** The sum of the clients' figures for one endpoint, and how many clients reported it. */
  public record EndpointSum(
      String cluster, String id, String address, int port, EndpointFigures figures, int clients) {}

  private final Registry registry;
  private final ReportReader reader;
  private final Duration interval;
  private final Clock clock;
  private final Map<Long, Client> clients = new HashMap<>();
  // Requests in progress per cluster and address, summed over the clients: what the registry has.
  private final Map<String, Map<EndpointRef, Tally>> inProgress = new HashMap<>();
  private final AtomicLong reports = new AtomicLong();
  private final AtomicLong unknownClusters = new AtomicLong();
  private final AtomicLong unknownEndpoints = new AtomicLong();
  private final AtomicLong staleClients = new AtomicLong();

  /**
   * @param endpointLocalities whether endpoints are published in localities of their own
   * @param interval the reporting interval asked of the clients
   */
  public LoadAggregator(
      Registry registry, boolean endpointLocalities, Duration interval, Clock clock) {
    this.registry = registry;
    this.reader = new ReportReader(registry, endpointLocalities);
    this.interval = interval;
    this.clock = clock;
  }

  /** The reporting interval asked of the clients. */
  public Duration interval() {
    return interval;
  }

  /** A stream opened: the client counts from its first report on. */
  public synchronized void opened(long stream, String node) {
    clients.putIfAbsent(stream, new Client(node, clock.instant()));
  }

  /** Takes a client's report: it replaces that client's previous figures. */
  public synchronized void report(long stream, String node, LoadStatsRequest request) {
    ReportReader.Read read = reader.read(request);
    reports.incrementAndGet();
    unknownClusters.addAndGet(read.unknownClusters());
    unknownEndpoints.addAndGet(read.unknownEndpoints());
    Client client = clients.computeIfAbsent(stream, s -> new Client(node, clock.instant()));
    client.lastReport = clock.instant();
    replace(client, Map.copyOf(read.figures()));
  }

  /** A stream ended: its client's figures stop counting at once. */
  public synchronized void closed(long stream) {
    Client client = clients.remove(stream);
    if (client != null) {
      replace(client, Map.of());
    }
  }

  /**
   * Forgets the clients silent for more than two reporting intervals, as if their streams had
   * ended. Called every interval.
   *
   * @return how many were forgotten
   */
  public synchronized int sweep() {
    Instant cutoff = clock.instant().minus(interval.multipliedBy(2));
    List<Long> stale = new ArrayList<>();
    clients.forEach(
        (id, c) -> {
          if (c.lastReport.isBefore(cutoff) && !c.figures.isEmpty()) {
            stale.add(id);
          }
        });
    for (Long id : stale) {
      Client c = clients.get(id);
      replace(c, Map.of());
      staleClients.incrementAndGet();
    }
    return stale.size();
  }

  /**
   * Swaps a client's figures, keeps the sums, and tells the registry of the clusters whose sums
   * moved (a client repeating its figures, the usual case between changes, costs the registry
   * nothing).
   */
  private void replace(Client client, Map<EndpointRef, EndpointFigures> next) {
    Map<EndpointRef, Long> before = new HashMap<>();
    client.figures.forEach((ref, f) -> tally(ref, -clamped(f), -1, before));
    next.forEach((ref, f) -> tally(ref, clamped(f), 1, before));
    client.figures = next;
    Set<String> moved = new HashSet<>();
    before.forEach(
        (key, was) -> {
          if (!Objects.equals(was, sum(key))) {
            moved.add(key.cluster());
          }
        });
    for (String cluster : moved) {
      List<ObservedLoad> figures = new ArrayList<>();
      inProgress
          .getOrDefault(cluster, Map.of())
          .forEach(
              (ref, t) ->
                  figures.add(
                      new ObservedLoad(
                          ref.address(), ref.port(), (int) Math.min(t.sum, Integer.MAX_VALUE))));
      registry.observe(cluster, figures);
    }
  }

  /** The sum listed for an address now, or null when no client reports it. */
  private Long sum(EndpointRef key) {
    Tally t = inProgress.getOrDefault(key.cluster(), Map.of()).get(key);
    return t == null ? null : t.sum;
  }

  /**
   * Adds one client's figure for an address to the sums ({@code reporters} -1 takes one away),
   * noting in {@code before} what the sum was before this report touched it. An address stays
   * listed while any client reports it, at 0 too: a reported 0 is a figure.
   */
  private void tally(EndpointRef ref, long n, int reporters, Map<EndpointRef, Long> before) {
    EndpointRef key = new EndpointRef(ref.cluster(), ref.address(), ref.port(), "");
    if (!before.containsKey(key)) {
      before.put(key, sum(key));
    }
    Map<EndpointRef, Tally> cluster =
        inProgress.computeIfAbsent(key.cluster(), c -> new HashMap<>());
    Tally t = cluster.computeIfAbsent(key, k -> new Tally());
    t.sum += n;
    t.reporters += reporters;
    if (t.reporters <= 0) {
      cluster.remove(key);
      if (cluster.isEmpty()) {
        inProgress.remove(key.cluster());
      }
    }
  }

  /** One client's figure as summed: at most 2^31-1, so a sum of clients cannot wrap a long. */
  private static long clamped(EndpointFigures f) {
    return Math.min(f.inProgress(), Integer.MAX_VALUE);
  }

  /** The sum of the clients' in-progress figures for one address, and how many report it. */
  private static final class Tally {
    long sum;
    int reporters;
  }

  /** The clients reporting now. */
  public synchronized List<ClientView> clients() {
    List<ClientView> out = new ArrayList<>();
    new TreeMap<>(clients)
        .forEach((id, c) -> out.add(new ClientView(id, c.node, c.lastReport, c.figures.size())));
    return out;
  }

  /** Every endpoint some client reports, with the sum of their figures; sorted. */
  public synchronized List<EndpointSum> sums() {
    Map<String, EndpointSum> byKey = new TreeMap<>();
    for (Client c : clients.values()) {
      c.figures.forEach(
          (ref, f) ->
              byKey.merge(
                  ref.cluster() + "\u0000" + ref.address() + "\u0000" + ref.port(),
                  new EndpointSum(ref.cluster(), ref.id(), ref.address(), ref.port(), f, 1),
                  (a, b) ->
                      new EndpointSum(
                          a.cluster(),
                          a.id(),
                          a.address(),
                          a.port(),
                          a.figures().plus(b.figures()),
                          a.clients() + b.clients())));
    }
    return List.copyOf(byKey.values());
  }

  /** Reports taken since start. */
  public long reports() {
    return reports.get();
  }

  /** Cluster entries of reports that named a cluster LoadEDS does not publish. */
  public long unknownClusters() {
    return unknownClusters.get();
  }

  /** Locality or endpoint entries that named no single known endpoint. */
  public long unknownEndpoints() {
    return unknownEndpoints.get();
  }

  /** Clients forgotten for being silent for two intervals. */
  public long staleClients() {
    return staleClients.get();
  }
}
