package io.loadeds.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.loadeds.registration.WriteCommit;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.EndpointState;
import io.loadeds.registry.Registry;
import io.loadeds.registry.RegistryEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One replica's link between its local {@link Registry} and the cluster's map of endpoint records.
 *
 * <p>Writes: a REST write runs on the local registry first (validation, limits and address rules
 * stay the registry's), then the records it touched are written to the map ({@link SequencedPut}
 * numbers each version of a key once for the whole cluster), and the request is answered when the
 * map (owner and backup) holds them. Reads and xDS are served from the local registry, which every
 * replica keeps in step by applying the map's records in sequence order: a record older than the
 * one applied is ignored, so replicas converge whatever order events arrive in, and a replica's own
 * record coming back is equal to what it holds and changes nothing.
 *
 * <p>Leases: the lease expiry travels in the record, so a renewal on any replica counts. Only the
 * oldest member (the first of Hazelcast's member list) expires leases and judges self-preservation;
 * its expiries are conditional writes (see {@link SequencedPut}), so each lapse is decided once
 * even while the role moves. Expired records and tombstones leave the map after the registry's
 * retention; every replica then forgets them.
 *
 * <p>Split brain: when a partition heals, the records that win the merge ({@link
 * LatestSequenceMergePolicy}) arrive as merged events, and a member of the merged side loads the
 * merged map again ({@link MergeReload}).
 *
 * <p>Threading: map events arrive on Hazelcast's event threads (one key always on the same one);
 * the registry is thread-safe; per-key sequence numbers live in a concurrent map updated atomically
 * per key. {@link #commit} runs on the caller's thread and completes on its context.
 */
final class ClusterReplica implements Replication, WriteCommit {
  private static final System.Logger LOG = System.getLogger(ClusterReplica.class.getName());

  private final HazelcastInstance hz;
  private final IMap<String, ReplicatedRecord> map;
  private final Registry registry;
  private final Clock clock;
  private final long retentionMillis;
  private final String self;
  private final Executor blocking;
  private final ConcurrentHashMap<String, Long> applied = new ConcurrentHashMap<>();
  private final ThreadLocal<Set<EndpointKey>> touched = new ThreadLocal<>();
  private final Timer lag;
  private final AtomicLong lastLagMillis = new AtomicLong(-1);
  private final AtomicLong applies = new AtomicLong();
  private volatile boolean reaper;
  private volatile boolean closed;

  ClusterReplica(
      HazelcastInstance hz,
      Registry registry,
      MeterRegistry meters,
      Clock clock,
      Duration retention,
      Executor blocking) {
    this.hz = hz;
    this.blocking = blocking;
    this.map = hz.getMap(HazelcastSetup.ENDPOINTS_MAP);
    this.registry = registry;
    this.clock = clock;
    this.retentionMillis = Math.max(1000, retention.toMillis());
    this.self = hz.getCluster().getLocalMember().getUuid().toString();
    this.lag =
        Timer.builder("loadeds.cluster.replication.lag")
            .description("From a write on another replica to its apply here")
            .publishPercentiles(0.5, 0.99)
            .register(meters);
    Gauge.builder("loadeds.cluster.members", () -> hz.getCluster().getMembers().size())
        .description("Members of the cluster as this replica sees it")
        .register(meters);
    Gauge.builder("loadeds.cluster.reaper", () -> reaper ? 1 : 0)
        .description("1 when this replica expires the cluster's leases")
        .register(meters);
  }

  /** Subscribes to the map and loads what it holds; blocks (run it on a worker). */
  void start() {
    registry.addListener(this::onLocalEvent);
    map.addEntryListener(new MapEvents(this::onRecord, this::onGone), true);
    hz.getLifecycleService()
        .addLifecycleListener(new MergeReload(hz, this::load, () -> closed, blocking));
    int loaded = load();
    hz.getCluster().addMembershipListener(new MembershipLog());
    Set<Member> members = hz.getCluster().getMembers();
    reaper = isOldest();
    LOG.log(
        System.Logger.Level.INFO,
        "cluster: joined as {0}; {1} member(s) {2}; {3} endpoint record(s) loaded; role: {4}",
        hz.getCluster().getLocalMember().getAddress(),
        members.size(),
        MembershipLog.addresses(members),
        loaded,
        reaper ? "reaper" : "replica");
  }

  /** Applies every record the map holds (ones older than applied are ignored); blocks. */
  private int load() {
    int loaded = 0;
    for (var e : map.entrySet()) {
      onRecord(e.getKey(), e.getValue());
      loaded++;
    }
    return loaded;
  }

  @Override
  public WriteCommit commits() {
    return this;
  }

  @Override
  public <T> Future<T> commit(EndpointKey key, Supplier<T> write) {
    Set<EndpointKey> keys = new LinkedHashSet<>();
    Set<EndpointKey> outer = touched.get();
    touched.set(keys);
    T result;
    try {
      result = write.get();
    } finally {
      touched.set(outer);
    }
    if (key != null && registry.endpoint(key).isPresent()) {
      keys.add(key); // a heartbeat changes no event, only the lease
    }
    if (keys.isEmpty()) {
      return Future.succeededFuture(result);
    }
    Context context = Vertx.currentContext();
    List<Future<Long>> writes = new ArrayList<>(keys.size());
    for (EndpointKey k : keys) {
      writes.add(publish(k, context));
    }
    return Future.all(writes).map(result);
  }

  /** Writes the current local record of {@code key} (a tombstone when it is gone) to the map. */
  private Future<Long> publish(EndpointKey key, Context context) {
    Endpoint e = registry.endpoint(key).orElse(null);
    long ttl = e == null || e.state() == EndpointState.EXPIRED ? retentionMillis : 0;
    long now = clock.millis();
    SequencedPut put = new SequencedPut(new ReplicatedRecord(e, self, now), now * 1000, ttl);
    return settledOn(map.submitToKey(ReplicatedRecord.mapKey(key), put), context);
  }

  /**
   * The outcome of a Hazelcast operation as a Vert.x future completed on {@code context} (on the
   * completing thread when there is none). Hazelcast runs a plain {@code whenComplete} callback on
   * its default executor, which on a machine with 2 CPUs or fewer (common pool parallelism 1)
   * starts a new thread per callback: one thread per replicated write, started on machines already
   * short of CPU. Here the thread that completes the operation only queues the result on the
   * context, which never blocks.
   */
  static <T> Future<T> settledOn(CompletionStage<T> stage, Context context) {
    Promise<T> done = Promise.promise();
    if (context == null) {
      stage.whenComplete((value, err) -> settle(done, value, err));
    } else {
      stage.whenCompleteAsync(
          (value, err) -> settle(done, value, err), task -> context.runOnContext(v -> task.run()));
    }
    return done.future();
  }

  private static <T> void settle(Promise<T> done, T value, Throwable err) {
    if (err != null) {
      done.fail(err);
    } else {
      done.complete(value);
    }
  }

  private void onLocalEvent(RegistryEvent event) {
    Set<EndpointKey> keys = touched.get();
    if (keys != null) {
      keys.add(keyOf(event));
    }
  }

  private void onRecord(String mapKey, ReplicatedRecord r) {
    if (closed) {
      return;
    }
    applied.compute(
        mapKey,
        (k, last) -> {
          if (last != null && last >= r.seq) {
            return last; // an older version than the one applied: a later one already won
          }
          try {
            registry.replicate(ReplicatedRecord.endpointKey(k), r.endpoint);
          } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "cluster: cannot apply " + k + ": " + ex);
          }
          if (!self.equals(r.origin)) {
            long ms = Math.max(0, clock.millis() - r.writtenAtMillis);
            lag.record(ms, TimeUnit.MILLISECONDS);
            lastLagMillis.set(ms);
          }
          applies.incrementAndGet();
          return r.seq;
        });
  }

  /** A record left the map (its retention ran out): forget it unless it lives here again. */
  private void onGone(String mapKey) {
    if (closed) {
      return;
    }
    applied.compute(
        mapKey,
        (k, last) -> {
          EndpointKey key = ReplicatedRecord.endpointKey(k);
          registry
              .endpoint(key)
              .filter(e -> e.state() == EndpointState.EXPIRED)
              .ifPresent(e -> registry.replicate(key, null));
          return null;
        });
  }

  @Override
  public void reap() {
    boolean now = isOldest();
    if (now != reaper) {
      reaper = now;
      LOG.log(
          System.Logger.Level.INFO,
          "cluster: this replica {0} the reaper",
          now ? "is now" : "is no longer");
    }
    if (!now || closed) {
      return;
    }
    commit(null, registry::expireLeases)
        .onFailure(
            err ->
                LOG.log(System.Logger.Level.WARNING, "cluster: expiries not replicated: " + err));
  }

  private boolean isOldest() {
    Set<Member> members = hz.getCluster().getMembers();
    return !members.isEmpty() && members.iterator().next().localMember();
  }

  @Override
  public JsonObject debug() {
    JsonArray members = new JsonArray();
    boolean first = true;
    for (Member m : hz.getCluster().getMembers()) {
      members.add(
          new JsonObject()
              .put("address", m.getAddress().toString())
              .put("uuid", m.getUuid().toString())
              .put("self", m.localMember())
              .put("reaper", first));
      first = false;
    }
    JsonObject lagJson =
        new JsonObject()
            .put("count", lag.count())
            .put("lastMillis", lastLagMillis.get())
            .put("maxMillis", lag.max(TimeUnit.MILLISECONDS));
    for (ValueAtPercentile p : lag.takeSnapshot().percentileValues()) {
      lagJson.put(
          "p" + Math.round(p.percentile() * 100) + "Millis", p.value(TimeUnit.MILLISECONDS));
    }
    return new JsonObject()
        .put("clustered", true)
        .put("member", hz.getCluster().getLocalMember().getAddress().toString())
        .put("role", isOldest() ? "reaper" : "replica")
        .put("members", members)
        .put("recordsApplied", applies.get())
        .put("replicationLag", lagJson);
  }

  @Override
  public void close() {
    closed = true;
  }

  private static EndpointKey keyOf(RegistryEvent event) {
    if (event instanceof RegistryEvent.Registered r) {
      return r.endpoint().key();
    } else if (event instanceof RegistryEvent.LoadChanged l) {
      return l.endpoint().key();
    } else if (event instanceof RegistryEvent.AdmissionChanged a) {
      return a.endpoint().key();
    } else if (event instanceof RegistryEvent.Deregistered d) {
      return d.endpoint().key();
    }
    return ((RegistryEvent.Expired) event).endpoint().key();
  }
}
