package io.loadeds.snapshot;

import io.loadeds.config.XdsConfig;
import io.loadeds.registry.ClusterView;
import io.loadeds.registry.RegistryEvent;
import io.loadeds.registry.RegistryListener;
import io.loadeds.registry.RegistryView;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Keeps the published xDS resources in step with the registry and wakes the watches of what
 * changed.
 *
 * <p>Threading: a change of membership (an endpoint in or out of an assignment) is rebuilt on the
 * thread that wrote it, as soon as the registry's lock is released ({@link
 * RegistryListener#settled}), and the watches are woken from there: no thread hop before the
 * streams' own loops. Rebuilds of one cluster are serialised by a lock of the cache (striped by
 * name), and each reads the registry's current state, so the last one publishes the newest. A
 * cluster that was rebuilt that way very recently is busy: its next changes go to the cache's own
 * context, where a burst folds into one rebuild per cluster ({@code dirty}), as do weight-only
 * changes, which may wait up to {@link XdsConfig#weightCoalesceWindow()}. Readers on any thread see
 * immutable resources through concurrent maps. Watches are woken in make-before-break order
 * (clusters, endpoints, listeners, routes) on the rebuilding thread; they hand the notice over to
 * their own loop, where it must run in the order it was handed over.
 *
 * <p>Warm-up ({@link XdsConfig#warmUp()}): for that long after {@link #create} the cache has no
 * placeholder for an endpoint assignment it does not know ({@link #held} is true for it), so the
 * protocol servers hold their answer for that name instead of sending an empty assignment; when the
 * warm-up ends, the watches of every still-unknown subscribed name are woken and get the
 * placeholder.
 */
public final class SnapshotCache implements ResourceSource {
  private static final ResourceType[] WAKE_ORDER = {
    ResourceType.CLUSTER, ResourceType.ENDPOINT, ResourceType.LISTENER, ResourceType.ROUTE
  };
  // A cluster rebuilt on a writer's thread folds its next changes for at least this long.
  private static final long BURST_NANOS = 1_000_000;
  private static final ResourceType[] CLUSTER_SCOPED = {
    ResourceType.CLUSTER, ResourceType.LISTENER, ResourceType.ROUTE
  };

  private final Vertx vertx;
  private final Context context;
  // Serialise the rebuilds of one cluster (by name hash); writers of different clusters rarely
  // meet.
  private final Object[] rebuildLocks = new Object[64];
  // Clusters with a weight-only change handed over to the cache's context and not yet run there.
  private final Set<String> weightHandOvers = ConcurrentHashMap.newKeySet();
  // Per cluster: until when (System.nanoTime) its changes count as a burst, to be folded.
  private final ConcurrentHashMap<String, Long> busyUntil = new ConcurrentHashMap<>();
  private final RegistryView registry;
  private final long coalesceMillis;
  private final Duration endpointStaleAfter;
  private final Promise<Void> warmedUp = Promise.promise();
  private volatile boolean warming;
  private final Map<ResourceType, ConcurrentHashMap<String, VersionedResource>> resources =
      new EnumMap<>(ResourceType.class);
  private final Map<ResourceType, WatchIndex> watches = new EnumMap<>(ResourceType.class);

  // Confined to the cache's context.
  private final Set<String> dirty = new LinkedHashSet<>();
  private final Map<String, Long> coalescing = new HashMap<>();
  private boolean flushScheduled;

  // LRS on: clusters name this server as their lrs_server, endpoints get localities of their own.
  private final boolean lrs;

  private SnapshotCache(Vertx vertx, RegistryView registry, XdsConfig config, boolean lrs) {
    this.lrs = lrs;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.registry = registry;
    this.coalesceMillis = config.weightCoalesceWindow().toMillis();
    this.endpointStaleAfter = config.endpointStaleAfter();
    for (int i = 0; i < rebuildLocks.length; i++) {
      rebuildLocks[i] = new Object();
    }
    for (ResourceType t : ResourceType.values()) {
      resources.put(t, new ConcurrentHashMap<>());
      watches.put(t, new WatchIndex());
    }
  }

  /**
   * Creates a cache on a new context, subscribes it to the registry and builds the resources of the
   * clusters that already exist. The cache is usable as soon as this returns.
   */
  public static SnapshotCache create(Vertx vertx, RegistryView registry, XdsConfig config) {
    return create(vertx, registry, config, false);
  }

  /**
   * The same, publishing for LRS when {@code lrs} is set: every {@code Cluster} names this server
   * as its {@code lrs_server}, and every endpoint is published in a locality of its own (see {@link
   * ResourceBuilder#publishedLocality}), because gRPC clients report load per locality only.
   */
  public static SnapshotCache create(
      Vertx vertx, RegistryView registry, XdsConfig config, boolean lrs) {
    warmUp();
    SnapshotCache cache = new SnapshotCache(vertx, registry, config, lrs);
    registry.addListener(
        new RegistryListener() {
          @Override
          public void onEvent(RegistryEvent event) {
            cache.onRegistryEvent(event);
          }

          @Override
          public void settled(String cluster, List<RegistryEvent> events) {
            cache.onSettled(cluster, events);
          }
        });
    for (ClusterView c : registry.clusters()) {
      cache.rebuild(c.name(), new EnumMap<>(ResourceType.class));
    }
    cache.startWarmUp(config.warmUp());
    return cache;
  }

  private void startWarmUp(Duration warmUp) {
    if (warmUp.isZero()) {
      warmedUp.complete();
      return;
    }
    warming = true;
    // The timer is set from the cache's context so that the end runs there, after the rebuilds.
    context.runOnContext(v -> vertx.setTimer(warmUp.toMillis(), id -> endWarmUp()));
  }

  /**
   * Ends the warm-up now: a clustered replica's ends with the cluster's, at once when it joins a
   * cluster that has warmed up (it took the cluster's state before serving, so it has nothing to
   * wait for). Thread-safe; nothing happens when it is over already.
   */
  public void skipWarmUp() {
    context.runOnContext(v -> endWarmUp());
  }

  private void endWarmUp() {
    if (!warming) {
      return; // skipped before the timer fired
    }
    warming = false;
    Map<WatchIndex.IndexedWatch, Set<String>> wake = new HashMap<>();
    Map<String, VersionedResource> endpoints = resources.get(ResourceType.ENDPOINT);
    watches.get(ResourceType.ENDPOINT).collectNamed(n -> !endpoints.containsKey(n), wake);
    wake.forEach(WatchIndex.IndexedWatch::fire);
    warmedUp.complete();
  }

  /** Completes when the warm-up after start is over (at once when it is off). */
  public Future<Void> warmedUp() {
    return warmedUp.future();
  }

  /**
   * Builds one resource of every type on the caller's thread. Initialising the Envoy protobuf
   * descriptors takes seconds on a cold JVM; done lazily, it would block the cache's event loop
   * (shared with the HTTP server) at the first registration.
   */
  private static void warmUp() {
    String name = "warm-up";
    VersionedResource.of(
        ResourceType.ENDPOINT,
        name,
        ResourceBuilder.withStaleAfter(
            ResourceBuilder.assignment(new ClusterView(name, List.of())), Duration.ofSeconds(1)));
    VersionedResource.of(ResourceType.CLUSTER, name, ResourceBuilder.cluster(name));
    VersionedResource.of(ResourceType.LISTENER, name, ResourceBuilder.listener(name));
    VersionedResource.of(ResourceType.ROUTE, name, ResourceBuilder.route(name));
  }

  @Override
  public Map<String, VersionedResource> all(ResourceType type) {
    return Collections.unmodifiableMap(resources.get(type));
  }

  @Override
  public Optional<VersionedResource> get(ResourceType type, String name) {
    return Optional.ofNullable(resources.get(type).get(name));
  }

  @Override
  public Optional<VersionedResource> placeholder(ResourceType type, String name) {
    if (type != ResourceType.ENDPOINT || warming) {
      return Optional.empty();
    }
    return Optional.of(
        VersionedResource.of(
            type,
            name,
            ResourceBuilder.withStaleAfter(
                ResourceBuilder.emptyAssignment(name), endpointStaleAfter)));
  }

  @Override
  public boolean held(ResourceType type, String name) {
    return warming
        && type == ResourceType.ENDPOINT
        && !resources.get(ResourceType.ENDPOINT).containsKey(name);
  }

  @Override
  public Watch watch(ResourceType type, Consumer<Set<String>> onChange) {
    return watches.get(type).open(onChange);
  }

  /** The current EDS version of a cluster, or empty when it is not published. */
  public Optional<String> endpointsVersion(String cluster) {
    return get(ResourceType.ENDPOINT, cluster).map(VersionedResource::version);
  }

  /** How many watches are open on a type (for metrics and tests). */
  public int watchCount(ResourceType type) {
    return watches.get(type).size();
  }

  private void onRegistryEvent(RegistryEvent event) {
    // Called on the registry writer's thread under the cluster's lock: only hand over. A change of
    // membership is rebuilt when it has settled (onSettled), outside that lock.
    if (!event.changesMembership() && coalesceMillis > 0) {
      String cluster = event.cluster();
      // One hand-over in flight per cluster: a weight-only change waits for the coalescing timer,
      // whose rebuild reads the registry then, so the writes that come while a hand-over is queued
      // need none of their own (each was a task on another loop, a few percent of a write).
      if (weightHandOvers.add(cluster)) {
        context.runOnContext(
            v -> {
              // Removed before acting: a write after this point hands over again.
              weightHandOvers.remove(cluster);
              markDirty(cluster, false);
            });
      }
    }
  }

  private void onSettled(String cluster, List<RegistryEvent> events) {
    boolean membership = coalesceMillis == 0;
    for (RegistryEvent e : events) {
      membership |= e.changesMembership();
    }
    if (!membership) {
      return;
    }
    Long until = busyUntil.get(cluster);
    if (until != null && System.nanoTime() - until < 0) {
      // Rebuilt a moment ago: a burst. Rebuilding for every write of a burst would cost a whole
      // assignment per write; the cache's context folds them into one.
      context.runOnContext(v -> markDirty(cluster, true));
      return;
    }
    Map<ResourceType, Map<WatchIndex.IndexedWatch, Set<String>>> wake =
        new EnumMap<>(ResourceType.class);
    long start = System.nanoTime();
    rebuild(cluster, wake);
    long end = System.nanoTime();
    // Busy for ten times what the rebuild took (at least BURST_NANOS): rebuilds on writers'
    // threads then take at most a tenth of a thread per cluster, however fast the writes come.
    busyUntil.put(cluster, end + Math.max(BURST_NANOS, 10 * (end - start)));
    wakeInOrder(wake);
  }

  private void markDirty(String cluster, boolean now) {
    if (!now) {
      // Weight-only: fold the changes of the next window into one push.
      coalescing.computeIfAbsent(
          cluster,
          c ->
              vertx.setTimer(
                  coalesceMillis,
                  id -> {
                    coalescing.remove(c);
                    markDirty(c, true);
                  }));
      return;
    }
    Long timer = coalescing.remove(cluster);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
    dirty.add(cluster);
    if (!flushScheduled) {
      flushScheduled = true;
      // Runs after the events already queued on this context, so a burst rebuilds each cluster
      // once.
      context.runOnContext(v -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    Map<ResourceType, Map<WatchIndex.IndexedWatch, Set<String>>> wake =
        new EnumMap<>(ResourceType.class);
    for (String cluster : dirty) {
      rebuild(cluster, wake);
    }
    dirty.clear();
    wakeInOrder(wake);
  }

  /**
   * Make before break (xDS protocol, "eventual consistency considerations"): a stream learns of a
   * new Cluster before its endpoints, and of a Listener before its routes, because the stream's
   * loop runs the wake-ups in the order they are handed over ({@code xds.LoopBatches}).
   */
  private static void wakeInOrder(
      Map<ResourceType, Map<WatchIndex.IndexedWatch, Set<String>>> wake) {
    for (ResourceType type : WAKE_ORDER) {
      wake.getOrDefault(type, Map.of()).forEach(WatchIndex.IndexedWatch::fire);
    }
  }

  /** Rebuilds one cluster's resources from the registry's current state; any thread. */
  private void rebuild(
      String name, Map<ResourceType, Map<WatchIndex.IndexedWatch, Set<String>>> wake) {
    synchronized (rebuildLocks[(name.hashCode() & 0x7fffffff) % rebuildLocks.length]) {
      rebuildLocked(name, wake);
    }
  }

  private void rebuildLocked(
      String name, Map<ResourceType, Map<WatchIndex.IndexedWatch, Set<String>>> wake) {
    Optional<ClusterView> view = registry.cluster(name).filter(ClusterView::live);
    if (view.isEmpty()) {
      busyUntil.remove(name);
      remove(ResourceType.ENDPOINT, name, wake);
      for (ResourceType t : CLUSTER_SCOPED) {
        remove(t, name, wake);
      }
      return;
    }
    put(
        VersionedResource.of(
            ResourceType.ENDPOINT,
            name,
            ResourceBuilder.withStaleAfter(
                ResourceBuilder.assignment(view.get(), lrs), endpointStaleAfter)),
        wake);
    if (!resources.get(ResourceType.CLUSTER).containsKey(name)) {
      put(
          VersionedResource.of(ResourceType.CLUSTER, name, ResourceBuilder.cluster(name, lrs)),
          wake);
      put(VersionedResource.of(ResourceType.ROUTE, name, ResourceBuilder.route(name)), wake);
      put(VersionedResource.of(ResourceType.LISTENER, name, ResourceBuilder.listener(name)), wake);
    }
  }

  private void put(
      VersionedResource r, Map<ResourceType, Map<WatchIndex.IndexedWatch, Set<String>>> wake) {
    VersionedResource old = resources.get(r.type()).put(r.name(), r);
    if (old == null || !old.version().equals(r.version())) {
      watches.get(r.type()).collect(r.name(), wake.computeIfAbsent(r.type(), t -> new HashMap<>()));
    }
  }

  private void remove(
      ResourceType type,
      String name,
      Map<ResourceType, Map<WatchIndex.IndexedWatch, Set<String>>> wake) {
    if (resources.get(type).remove(name) != null) {
      watches.get(type).collect(name, wake.computeIfAbsent(type, t -> new HashMap<>()));
    }
  }
}
