package io.loadeds.registry;

import io.loadeds.config.SelfPreservationConfig;
import io.loadeds.registry.RegistryEvent.Deregistered;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One cluster's endpoints. Not thread-safe: the {@link Registry} holds this object's monitor for
 * every call, and events are appended to {@code events} for the registry to deliver under it.
 */
final class ClusterTable {
  final String name;

  /** Set once the table was removed from the registry's map; a writer that sees it retries. */
  boolean retired;

  private final TreeMap<String, Endpoint> byId = new TreeMap<>();

  /** Within a cluster an address belongs to one id: gRPC clients reject duplicate addresses. */
  private final Map<String, String> idByHostPort = new HashMap<>();

  private final LeaseHold hold;

  ClusterTable(String name) {
    this.name = name;
    this.hold = new LeaseHold(name);
  }

  /** Records held, including expired ones still retained. */
  int size() {
    return byId.size();
  }

  /**
   * Whether registering {@code id} at {@code r}'s address adds a record, rather than replacing
   * {@code id}'s or taking over the one that holds the address.
   */
  boolean adds(String id, Registration r) {
    return !byId.containsKey(id) && !idByHostPort.containsKey(hostPort(r.address(), r.port()));
  }

  boolean isEmpty() {
    return byId.isEmpty();
  }

  ClusterView view() {
    return new ClusterView(name, new ArrayList<>(byId.values()));
  }

  Endpoint get(String id) {
    return byId.get(id);
  }

  Registry.RegisterResult register(
      String id,
      Registration r,
      String source,
      Duration ttl,
      LoadPolicy policy,
      Instant now,
      List<RegistryEvent> events) {
    Endpoint prev = byId.get(id);
    String hostPort = hostPort(r.address(), r.port());
    String holder = idByHostPort.get(hostPort);
    Integer takenOver = null;
    if (holder != null && !holder.equals(id)) {
      // A restarted backend with a fresh id must not wait for its old record's lease to lapse.
      Endpoint old = remove(holder);
      events.add(new Deregistered(old, Deregistered.Reason.ADDRESS_TAKEN_OVER));
      takenOver = old.state() == EndpointState.EXPIRED ? null : old.observed();
    }
    if (prev != null) {
      idByHostPort.remove(hostPort(prev.address(), prev.port()), id);
    }
    boolean live = prev != null && prev.state() != EndpointState.EXPIRED;
    // A re-PUT keeps a full endpoint's hysteresis, so re-registering cannot skip the re-admit mark.
    boolean wasFull = live && prev.state() == EndpointState.FULL;
    // What the clients report is about the address: it stays while the address does.
    Integer observed =
        live && hostPort(prev.address(), prev.port()).equals(hostPort)
            ? prev.observed()
            : takenOver;
    int load = policy.load(r.active(), observed);
    Endpoint next =
        new Endpoint(
            new EndpointKey(name, id),
            r.address(),
            r.port(),
            r.capacity(),
            r.active(),
            r.weight(),
            r.locality(),
            r.metadata(),
            source,
            ttl,
            ttl == null ? null : now.plus(ttl),
            policy.stateFor(wasFull, r.capacity(), load),
            live ? prev.registeredAt() : now,
            now,
            observed,
            load);
    byId.put(id, next);
    idByHostPort.put(hostPort, id);
    events.add(new RegistryEvent.Registered(live ? prev : null, next));
    return new Registry.RegisterResult(next, !live);
  }

  Optional<Endpoint> report(
      String id, LoadReport report, LoadPolicy policy, Instant now, List<RegistryEvent> events) {
    Endpoint prev = byId.get(id);
    if (prev == null || prev.state() == EndpointState.EXPIRED) {
      return Optional.empty();
    }
    Integer reported = report.active().apply(prev.active());
    if (reported == null) {
      throw new InvalidFieldException("active", "must be a number >= 0, not null");
    }
    int active = reported;
    Integer capacity = report.capacity().apply(prev.capacity());
    Integer weight = report.weight().apply(prev.weight());
    Map<String, String> metadata = report.metadata().apply(prev.metadata());
    Validation.active(active);
    Validation.capacity(capacity);
    Validation.weight(weight);
    Validation.metadata(metadata);
    int load = policy.load(active, prev.observed());
    EndpointState state = policy.stateFor(prev.state() == EndpointState.FULL, capacity, load);
    Endpoint next =
        new Endpoint(
            prev.key(),
            prev.address(),
            prev.port(),
            capacity,
            active,
            weight,
            prev.locality(),
            metadata,
            prev.source(),
            prev.ttl(),
            prev.ttl() == null ? null : now.plus(prev.ttl()),
            state,
            prev.registeredAt(),
            now,
            prev.observed(),
            load);
    byId.put(id, next);
    if (state != prev.state()) {
      events.add(new RegistryEvent.AdmissionChanged(prev, next));
    } else if (active != prev.active()
        || !Objects.equals(capacity, prev.capacity())
        || !Objects.equals(weight, prev.weight())
        || !metadata.equals(prev.metadata())) {
      events.add(new RegistryEvent.LoadChanged(prev, next));
    }
    return Optional.of(next);
  }

  /**
   * Replaces what the xDS clients report for this cluster's live endpoints: an endpoint whose
   * address is in {@code inProgressByHostPort} (keys made by {@link #hostPort}) gets that figure,
   * every other one none. Admission and weight follow through {@link LoadPolicy#load}; the lease
   * and {@code updatedAt} are left alone unless the state changes (LRS is not a heartbeat).
   *
   * @return how many figures matched no live endpoint
   */
  int observe(
      Map<String, Integer> inProgressByHostPort,
      LoadPolicy policy,
      Instant now,
      List<RegistryEvent> events) {
    // By id through the address index: no address is parsed again per endpoint.
    Map<String, Integer> figureById = new HashMap<>();
    int unmatched = 0;
    for (Map.Entry<String, Integer> f : inProgressByHostPort.entrySet()) {
      String id = idByHostPort.get(f.getKey());
      Endpoint e = id == null ? null : byId.get(id);
      if (e == null || e.state() == EndpointState.EXPIRED) {
        unmatched++;
      } else {
        figureById.put(id, f.getValue());
      }
    }
    for (Endpoint prev : new ArrayList<>(byId.values())) {
      if (prev.state() == EndpointState.EXPIRED) {
        continue;
      }
      Integer observed = figureById.get(prev.id());
      if (Objects.equals(observed, prev.observed())) {
        continue;
      }
      int load = policy.load(prev.active(), observed);
      EndpointState state =
          policy.stateFor(prev.state() == EndpointState.FULL, prev.capacity(), load);
      Endpoint next =
          new Endpoint(
              prev.key(),
              prev.address(),
              prev.port(),
              prev.capacity(),
              prev.active(),
              prev.weight(),
              prev.locality(),
              prev.metadata(),
              prev.source(),
              prev.ttl(),
              prev.leaseExpiresAt(),
              state,
              prev.registeredAt(),
              state != prev.state() ? now : prev.updatedAt(),
              observed,
              load);
      byId.put(prev.id(), next);
      if (state != prev.state()) {
        events.add(new RegistryEvent.AdmissionChanged(prev, next));
      } else if (load != prev.load()) {
        events.add(new RegistryEvent.LoadChanged(prev, next));
      }
    }
    return unmatched;
  }

  boolean deregister(String id, Deregistered.Reason reason, List<RegistryEvent> events) {
    Endpoint old = remove(id);
    if (old == null) {
      return false;
    }
    events.add(new Deregistered(old, reason));
    return true;
  }

  /** See {@link Registry#replicate}. */
  void replicate(String id, Endpoint next, List<RegistryEvent> events) {
    Endpoint prev = byId.get(id);
    boolean prevLive = prev != null && prev.state() != EndpointState.EXPIRED;
    if (next == null) {
      if (prev != null) {
        remove(id);
        if (prevLive) {
          events.add(new Deregistered(prev, Deregistered.Reason.REQUESTED));
        }
      }
      return;
    }
    if (next.equals(prev)) {
      return;
    }
    String hostPort = hostPort(next.address(), next.port());
    String holder = idByHostPort.get(hostPort);
    if (holder != null && !holder.equals(id)) {
      Endpoint old = remove(holder);
      if (old.state() != EndpointState.EXPIRED) {
        events.add(new Deregistered(old, Deregistered.Reason.ADDRESS_TAKEN_OVER));
      }
    }
    if (prev != null) {
      idByHostPort.remove(hostPort(prev.address(), prev.port()), id);
    }
    byId.put(id, next);
    idByHostPort.put(hostPort, id);
    if (next.state() == EndpointState.EXPIRED) {
      if (prevLive) {
        events.add(new RegistryEvent.Expired(next));
      }
    } else if (!prevLive
        || !prev.registeredAt().equals(next.registeredAt())
        || !prev.hostPort().equals(next.hostPort())
        || !prev.locality().equals(next.locality())) {
      events.add(new RegistryEvent.Registered(prevLive ? prev : null, next));
    } else if (prev.state() != next.state()) {
      events.add(new RegistryEvent.AdmissionChanged(prev, next));
    } else if (prev.active() != next.active()
        || !Objects.equals(prev.capacity(), next.capacity())
        || !Objects.equals(prev.weight(), next.weight())
        || !prev.metadata().equals(next.metadata())) {
      events.add(new RegistryEvent.LoadChanged(prev, next));
    }
    // else a renewal only: no event, as on the replica that took the heartbeat
  }

  /** Ids of the endpoints registered by {@code source}. */
  List<String> idsFrom(String source) {
    return byId.values().stream().filter(e -> e.source().equals(source)).map(Endpoint::id).toList();
  }

  /**
   * Expires lapsed leases, unless self-preservation holds them back in this pass (see {@link
   * LeaseHold}), and purges expired records older than {@code retention}.
   */
  int expire(
      Instant now,
      Duration retention,
      SelfPreservationConfig selfPreservation,
      List<RegistryEvent> events) {
    List<Endpoint> lapsed = new ArrayList<>();
    int live = 0;
    int recent = 0;
    for (Iterator<Endpoint> it = byId.values().iterator(); it.hasNext(); ) {
      Endpoint e = it.next();
      if (e.state() == EndpointState.EXPIRED) {
        if (!e.updatedAt().plus(retention).isAfter(now)) {
          it.remove();
          idByHostPort.remove(hostPort(e.address(), e.port()), e.id());
        } else if (hold.lapsedRecently(e.updatedAt(), e.ttl(), now)) {
          recent++;
        }
        continue;
      }
      live++;
      if (e.leaseExpiresAt() != null && !e.leaseExpiresAt().isAfter(now)) {
        lapsed.add(e);
      }
    }
    if (hold.holds(lapsed.size(), recent, live, now, selfPreservation)) {
      return 0;
    }
    for (Endpoint e : lapsed) {
      Endpoint next = e.with(EndpointState.EXPIRED, now);
      byId.put(e.id(), next);
      events.add(new RegistryEvent.Expired(next));
    }
    return lapsed.size();
  }

  /** Whether self-preservation holds back lapsed leases of this cluster now. */
  boolean preserving() {
    return hold.active();
  }

  private Endpoint remove(String id) {
    Endpoint old = byId.remove(id);
    if (old != null) {
      idByHostPort.remove(hostPort(old.address(), old.port()), id);
    }
    return old;
  }

  /**
   * The ownership key of an address. Literals are compared parsed, as gRPC clients compare them:
   * {@code 2001:db8::7} and {@code 2001:DB8:0:0:0:0:0:7} are one address, and so are {@code
   * ::ffff:10.0.0.1} and {@code 10.0.0.1}.
   */
  static String hostPort(String address, int port) {
    try {
      // A validated literal: InetAddress parses it and does no lookup.
      return InetAddress.getByName(address).getHostAddress() + "|" + port;
    } catch (UnknownHostException e) {
      throw new IllegalStateException("not a validated IP literal: " + address, e);
    }
  }
}
