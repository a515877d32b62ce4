package io.loadeds.xds.delta;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import io.loadeds.xds.Subscription;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * What the client of one delta stream holds and wants of one resource type, and the diff that
 * brings it up to date. Not thread-safe: confined to the stream's context, except {@link #noticed},
 * which a watch calls on any thread.
 *
 * <p>Only names that may have changed for this client ("dirty": named in a request, or reported by
 * the watch) are looked at, so one change costs a wildcard client with many resources one lookup,
 * not a scan of everything it holds.
 */
final class ClientState {
  /**
   * One response's worth of changes.
   *
   * @param resources resources to send, in name order
   * @param removed names to put in {@code removed_resources}, in name order
   * @param version {@code system_version_info}: hash of everything the client holds afterwards
   */
  record Diff(List<VersionedResource> resources, List<String> removed, String version) {}

  private final ResourceType type;
  private final Subscription subscription;
  // What the client holds, name -> version: what it announced in initial_resource_versions, then
  // every version sent. Sent, not ACKed: a NACKed version is thereby not sent again.
  private final TreeMap<String, String> known = new TreeMap<>();
  // Names the next response must cover even if the client holds their current version: a newly
  // subscribed name ("the server must still provide those resources", the client may have
  // forgotten them) and a name unsubscribed while the wildcard still covers it (the client cannot
  // tell whether to keep it).
  private final Set<String> fresh = new HashSet<>();
  // Names for which the client holds the source's placeholder: their absence is then no change.
  private final Set<String> placeheld = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();
  private final Set<String> noticed = ConcurrentHashMap.newKeySet();
  private boolean started;
  private boolean answerEvenIfEmpty;

  /**
   * @param maxNames how many resources the client may name ({@link Subscription})
   * @param maxNameChars how many characters those names may add up to ({@link Subscription})
   * @param canonical the source's own instance of a name ({@link Subscription})
   */
  ClientState(ResourceType type, int maxNames, long maxNameChars, UnaryOperator<String> canonical) {
    this.type = type;
    this.subscription = new Subscription(type, maxNames, maxNameChars, canonical);
  }

  Subscription subscription() {
    return subscription;
  }

  /** Names that changed in the source; any thread. */
  void noticed(Collection<String> names) {
    noticed.addAll(names);
  }

  /**
   * Applies the subscription changes of a request, and on the type's first request the versions the
   * client already holds.
   *
   * @return whether the subscription changed (the watch must follow)
   */
  boolean apply(DeltaDiscoveryRequest request, ResourceSource source) {
    boolean wasWildcard = subscription.wildcard();
    Set<String> before = subscription.names();
    // First: a request it refuses (TooManyNames) must leave this state as it was.
    boolean changed =
        subscription.update(
            request.getResourceNamesSubscribeList(), request.getResourceNamesUnsubscribeList());
    boolean first = !started;
    started = true;
    // Only a type's first request on a stream describes what the client kept from earlier streams.
    Map<String, String> initial = first ? request.getInitialResourceVersionsMap() : Map.of();
    known.putAll(initial);
    dirty.addAll(initial.keySet());
    subscribed(request.getResourceNamesSubscribeList(), initial);
    unsubscribed(request.getResourceNamesUnsubscribeList(), before, source);
    if (!wasWildcard && subscription.wildcard()) {
      dirty.addAll(source.all(type).keySet());
    } else if (wasWildcard && !subscription.wildcard()) {
      dirty.addAll(known.keySet()); // the next diff forgets what is no longer covered
    }
    // A client starting a wildcard subscription waits for an answer (Envoy's initialisation does),
    // even when there is nothing to send; go-control-plane does the same.
    answerEvenIfEmpty |= first && subscription.wildcard();
    return changed;
  }

  private void subscribed(List<String> names, Map<String, String> initial) {
    for (String name : names) {
      if (subscription.names().contains(name)) { // not "*", nor unsubscribed in the same request
        dirty.add(name);
        if (!initial.containsKey(name)) {
          fresh.add(name);
        }
      }
    }
  }

  /**
   * A name the client drops while the wildcard still covers it is sent again, since the client
   * cannot tell whether to keep it; any other is forgotten, and nothing is sent for it. Either way
   * a name neither the client nor the source holds leaves nothing behind: a client that never ACKs
   * (so no diff is taken) could otherwise pile up names by subscribing and unsubscribing them.
   */
  private void unsubscribed(List<String> names, Set<String> before, ResourceSource source) {
    for (String name : names) {
      if (before.contains(name) && !subscription.names().contains(name)) {
        if (subscription.wildcard()
            && (known.containsKey(name) || source.get(type, name).isPresent())) {
          fresh.add(name);
          dirty.add(name);
        } else {
          forget(name);
          dirty.remove(name);
        }
      }
    }
  }

  /**
   * Takes the changes the client has not been sent, and records them as sent.
   *
   * @return the diff, or empty when the client is up to date
   */
  Optional<Diff> takeDiff(ResourceSource source) {
    drainNoticed();
    List<VersionedResource> resources = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String name : new TreeSet<>(dirty)) {
      if (!subscription.covers(name)) {
        forget(name);
        continue;
      }
      if (source.held(type, name)) {
        continue; // warm-up: stays fresh; the watch brings the name back when it resolves
      }
      boolean force = fresh.remove(name);
      Optional<VersionedResource> wanted = wanted(source, name);
      if (wanted.isPresent()) {
        VersionedResource r = wanted.get();
        if (force || !r.version().equals(known.get(name))) {
          resources.add(r);
          known.put(name, r.version());
        }
      } else if (force || known.containsKey(name)) {
        // Gone, or asked for and never there: the protocol's "does not exist" answer.
        removed.add(name);
        known.remove(name);
      }
    }
    dirty.clear();
    if (resources.isEmpty() && removed.isEmpty() && !answerEvenIfEmpty) {
      return Optional.empty();
    }
    answerEvenIfEmpty = false;
    return Optional.of(new Diff(List.copyOf(resources), List.copyOf(removed), version()));
  }

  /**
   * What the client should hold for {@code name}: the resource, or, for an explicitly subscribed
   * name without one, the source's placeholder if it has one (an empty assignment for EDS). Empty
   * means absent.
   *
   * <p>The placeholder is sent for a name never seen (an Envoy EDS cluster must not stay warming)
   * and also when a resource vanishes: Envoy ignores delta removals of endpoint assignments and
   * would keep routing to the last hosts, so an EDS subscriber is sent an empty assignment instead,
   * as in state of the world.
   */
  private Optional<VersionedResource> wanted(ResourceSource source, String name) {
    Optional<VersionedResource> r = source.get(type, name);
    if (r.isPresent()) {
      placeheld.remove(name);
      return r;
    }
    if (subscription.names().contains(name)) {
      Optional<VersionedResource> p = source.placeholder(type, name);
      if (p.isPresent()) {
        placeheld.add(name);
        return p;
      }
    }
    placeheld.remove(name);
    return Optional.empty();
  }

  private void forget(String name) {
    known.remove(name);
    fresh.remove(name);
    placeheld.remove(name);
  }

  private void drainNoticed() {
    for (String name : noticed) {
      noticed.remove(name);
      dirty.add(name);
    }
  }

  private String version() {
    List<String> parts = new ArrayList<>(known.size() * 2 + 1);
    parts.add(type.name());
    known.forEach(
        (name, version) -> {
          parts.add(name);
          parts.add(version);
        });
    return VersionedResource.hash(parts);
  }
}
