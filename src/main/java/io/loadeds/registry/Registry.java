package io.loadeds.registry;

import io.loadeds.config.LimitsConfig;
import io.loadeds.config.LoadSource;
import io.loadeds.config.RegistryConfig;
import io.loadeds.registry.RegistryEvent.Deregistered;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The in-memory endpoint registry: leases, load reports and admission (API.md §1–2). Knows nothing
 * of HTTP, gRPC or protobuf.
 *
 * <p>Thread-safe. Each cluster is locked on its own for every change, so concurrent registrations
 * never lose each other's updates and there is no whole-list read-modify-write; changes to
 * different clusters do not contend. Listeners are called under the cluster's lock, which keeps one
 * cluster's events in order, and then told on the same thread that the change settled, once the
 * lock is released (see {@link RegistryListener}).
 *
 * <p>Limits ({@link LimitsConfig}) are enforced atomically: the endpoint count of a cluster is
 * checked under that cluster's lock, and a cluster is only created after a slot was reserved in an
 * atomic counter, so concurrent writers can never pass either limit. A refused change throws {@link
 * LimitReachedException} and changes nothing.
 */
public final class Registry implements RegistryView {
  private static final System.Logger LOG = System.getLogger(Registry.class.getName());

  /**
   * Outcome of a PUT.
   *
   * @param endpoint the record as stored
   * @param created true when no live record existed (HTTP 201), false when replaced (200)
   */
  public record RegisterResult(Endpoint endpoint, boolean created) {}

  private final ConcurrentHashMap<String, ClusterTable> clusters = new ConcurrentHashMap<>();
  private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();
  private final RegistryConfig config;
  private final LoadPolicy policy;
  private final Clock clock;
  private final LimitsConfig limits;

  /** Live cluster tables, counted before a table is made, so never more than the limit. */
  private final AtomicInteger clusterCount = new AtomicInteger();

  /** A registry with the default {@link LimitsConfig}. */
  public Registry(RegistryConfig config, Clock clock) {
    this(config, LimitsConfig.defaults(), clock);
  }

  public Registry(RegistryConfig config, LimitsConfig limits, Clock clock) {
    this(config, limits, LoadSource.BACKEND, clock);
  }

  /**
   * @param loadSource which figure is an endpoint's load: its own reports, what the xDS clients
   *     report over LRS ({@link #observe}), or the larger
   */
  public Registry(RegistryConfig config, LimitsConfig limits, LoadSource loadSource, Clock clock) {
    this.limits = Objects.requireNonNull(limits).validate();
    this.config = Objects.requireNonNull(config).validate();
    this.policy = new LoadPolicy(config.readmitHysteresis(), loadSource);
    this.clock = Objects.requireNonNull(clock);
  }

  /**
   * Registers or replaces the whole record of {@code key} and renews its lease.
   *
   * @throws InvalidFieldException if a field is invalid; nothing changed then
   */
  public RegisterResult register(EndpointKey key, Registration registration) {
    checkKey(key);
    Validation.registration(registration, config.maxTtl());
    Duration ttl = Objects.requireNonNullElse(registration.ttl(), config.defaultTtl());
    return write(
        key.cluster(),
        true,
        (t, events) -> {
          if (t.adds(key.id(), registration)) {
            checkRoom(t, 1);
          }
          return t.register(
              key.id(), registration, Endpoint.SOURCE_API, ttl, policy, now(), events);
        });
  }

  /**
   * Applies a load report and renews the lease of a live endpoint.
   *
   * @return the updated record, or empty when the endpoint is unknown or expired (the backend
   *     should register again)
   * @throws InvalidFieldException if a field is invalid; nothing changed then
   */
  public Optional<Endpoint> report(EndpointKey key, LoadReport report) {
    checkKey(key);
    Optional<Endpoint> result =
        write(
            key.cluster(), false, (t, events) -> t.report(key.id(), report, policy, now(), events));
    return result == null ? Optional.empty() : result;
  }

  /**
   * Replaces the load the xDS clients observe for the endpoints of {@code cluster}: each live
   * endpoint whose address is listed gets the sum of its figures, every other one none. With {@code
   * load.source} {@code lrs} or {@code max} this moves endpoints in and out of EDS like a backend's
   * own report; it does not renew leases. Figures for an unknown cluster or an address no live
   * endpoint holds, or whose address is not an IP literal, change nothing.
   *
   * @return how many figures matched no live endpoint ({@code figures.size()} for an unknown
   *     cluster)
   */
  public int observe(String cluster, List<ObservedLoad> figures) {
    Map<String, Integer> byHostPort = new java.util.HashMap<>();
    int invalid = 0;
    for (ObservedLoad f : figures) {
      try {
        Validation.ipLiteral("address", f.address());
        byHostPort.merge(
            ClusterTable.hostPort(f.address(), f.port()), f.inProgress(), Integer::sum);
      } catch (InvalidFieldException e) {
        invalid++;
      }
    }
    int bad = invalid;
    Integer unmatched =
        write(cluster, false, (t, events) -> bad + t.observe(byHostPort, policy, now(), events));
    return unmatched == null ? figures.size() : unmatched;
  }

  /** Removes an endpoint. Returns false when it was unknown. */
  public boolean deregister(EndpointKey key) {
    checkKey(key);
    Boolean removed =
        write(
            key.cluster(),
            false,
            (t, events) -> t.deregister(key.id(), Deregistered.Reason.REQUESTED, events));
    return Boolean.TRUE.equals(removed);
  }

  /**
   * Replaces, in one step, all endpoints of {@code cluster} that {@code source} registered with the
   * given ones (by id); entries of other sources are untouched. These entries carry no lease: a
   * list-style API has no heartbeat. All entries are validated before anything changes.
   *
   * @return the source's endpoints afterwards
   * @throws InvalidFieldException if an entry is invalid; nothing changed then
   */
  public List<Endpoint> replaceSource(
      String cluster, String source, Map<String, Registration> entries) {
    Validation.name("cluster", cluster);
    entries.forEach(
        (id, r) -> {
          Validation.name("id", id);
          Validation.registration(r, config.maxTtl());
        });
    List<Endpoint> result =
        write(
            cluster,
            !entries.isEmpty(),
            (t, events) -> {
              long added = entries.keySet().stream().filter(id -> t.get(id) == null).count();
              long dropped =
                  t.idsFrom(source).stream().filter(i -> !entries.containsKey(i)).count();
              checkRoom(t, (int) Math.max(0, added - dropped));
              for (String id : t.idsFrom(source)) {
                if (!entries.containsKey(id)) {
                  t.deregister(id, Deregistered.Reason.NOT_LISTED, events);
                }
              }
              List<Endpoint> out = new ArrayList<>();
              entries.forEach(
                  (id, r) ->
                      out.add(t.register(id, r, source, null, policy, now(), events).endpoint()));
              return out;
            });
    return result == null ? List.of() : result;
  }

  /**
   * Expires every lease that has lapsed and forgets expired records past their retention. Called
   * periodically by the reaper; safe to call from any thread. When most of a cluster's leases lapse
   * together (in one call, or spread over one lease length), self-preservation may hold them back
   * for a bounded time (see {@link io.loadeds.config.SelfPreservationConfig}).
   *
   * @return how many endpoints expired
   */
  public int expireLeases() {
    int expired = 0;
    for (String name : clusters.keySet()) {
      Integer n =
          write(
              name,
              false,
              (t, events) ->
                  t.expire(now(), config.expiredRetention(), config.selfPreservation(), events));
      expired += n == null ? 0 : n;
    }
    return expired;
  }

  /**
   * Sets the record of {@code key} to exactly {@code record} (or removes it when {@code record} is
   * null), as another replica decided it: scale-out copies whole records between replicas (see
   * {@code io.loadeds.cluster}). Listeners get the event the change amounts to here: none for a
   * record equal to the one held or for a renewal only (as on the replica that took the heartbeat),
   * and none for removing an expired record (the reaper forgets those silently too). Nothing is
   * validated again (the deciding replica did), but the cluster limit still applies.
   *
   * @throws LimitReachedException when the record would create a cluster beyond {@code
   *     limits.maxClusters}; nothing changed then
   */
  public void replicate(EndpointKey key, Endpoint record) {
    if (record != null && !record.key().equals(key)) {
      throw new IllegalArgumentException(record.key() + " is not " + key);
    }
    write(
        key.cluster(),
        record != null,
        (t, events) -> {
          t.replicate(key.id(), record, events);
          return null;
        });
  }

  /**
   * Whether self-preservation currently keeps lapsed leases of {@code cluster} published (see
   * {@link io.loadeds.config.SelfPreservationConfig}).
   */
  public boolean preserving(String cluster) {
    ClusterTable t = clusters.get(cluster);
    if (t == null) {
      return false;
    }
    synchronized (t) {
      return !t.retired && t.preserving();
    }
  }

  @Override
  public Optional<ClusterView> cluster(String name) {
    ClusterTable t = clusters.get(name);
    if (t == null) {
      return Optional.empty();
    }
    synchronized (t) {
      return t.retired ? Optional.empty() : Optional.of(t.view());
    }
  }

  @Override
  public List<ClusterView> clusters() {
    List<ClusterView> out = new ArrayList<>();
    for (String name : clusters.keySet()) {
      cluster(name).ifPresent(out::add);
    }
    out.sort(Comparator.comparing(ClusterView::name));
    return out;
  }

  @Override
  public Optional<Endpoint> endpoint(EndpointKey key) {
    ClusterTable t = clusters.get(key.cluster());
    if (t == null) {
      return Optional.empty();
    }
    synchronized (t) {
      return t.retired ? Optional.empty() : Optional.ofNullable(t.get(key.id()));
    }
  }

  @Override
  public void addListener(RegistryListener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  private Instant now() {
    return clock.instant();
  }

  private static void checkKey(EndpointKey key) {
    Validation.name("cluster", key.cluster());
    Validation.name("id", key.id());
  }

  /** Refuses adding {@code more} records to {@code t} beyond the per-cluster limit. */
  private void checkRoom(ClusterTable t, int more) {
    int max = limits.maxEndpointsPerCluster();
    if (more > 0 && t.size() + more > max) {
      throw new LimitReachedException(
          "limits.maxEndpointsPerCluster",
          max,
          "cluster '" + t.name + "' holds " + t.size() + " endpoint records, the most allowed");
    }
  }

  /** Makes a cluster's table if a cluster slot is free; runs inside computeIfAbsent. */
  private ClusterTable newTable(String name) {
    if (clusterCount.incrementAndGet() > limits.maxClusters()) {
      clusterCount.decrementAndGet();
      throw new LimitReachedException(
          "limits.maxClusters",
          limits.maxClusters(),
          "cluster '" + name + "' would pass the number of clusters allowed");
    }
    return new ClusterTable(name);
  }

  /** A change to one cluster's table, which appends the events it causes. */
  private interface Change<T> {
    T apply(ClusterTable table, List<RegistryEvent> events);
  }

  /**
   * Runs {@code change} under the cluster's lock, delivers its events, and drops the table once it
   * is empty. Returns null when the cluster does not exist and {@code create} is false.
   */
  private <T> T write(String cluster, boolean create, Change<T> change) {
    Function<String, ClusterTable> factory = this::newTable;
    while (true) {
      ClusterTable t = create ? clusters.computeIfAbsent(cluster, factory) : clusters.get(cluster);
      if (t == null) {
        return null;
      }
      List<RegistryEvent> events = new ArrayList<>(2);
      T result;
      synchronized (t) {
        if (t.retired) {
          continue; // removed between lookup and lock; a fresh table is made on the next pass
        }
        try {
          result = change.apply(t, events);
        } catch (RuntimeException e) {
          retireIfEmpty(cluster, t); // a table made for a refused change must not stay behind
          throw e;
        }
        retireIfEmpty(cluster, t);
        publish(events);
      }
      if (!events.isEmpty()) {
        settle(cluster, Collections.unmodifiableList(events));
      }
      return result;
    }
  }

  /** Tells every listener that a change to {@code cluster} is over; the lock is released. */
  private void settle(String cluster, List<RegistryEvent> events) {
    for (RegistryListener listener : listeners) {
      try {
        listener.settled(cluster, events);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "registry listener failed settling " + cluster, e);
      }
    }
  }

  /** Drops an empty table from the map; the caller holds its lock. */
  private void retireIfEmpty(String cluster, ClusterTable t) {
    if (t.isEmpty()) {
      t.retired = true;
      if (clusters.remove(cluster, t)) {
        clusterCount.decrementAndGet();
      }
    }
  }

  private void publish(List<RegistryEvent> events) {
    for (RegistryEvent event : events) {
      for (RegistryListener listener : listeners) {
        try {
          listener.onEvent(event);
        } catch (RuntimeException e) {
          // One faulty listener must not undo a committed change or starve the others.
          LOG.log(System.Logger.Level.ERROR, "registry listener failed on " + event, e);
        }
      }
    }
  }
}
