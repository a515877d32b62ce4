package io.loadeds.xds;

import com.google.protobuf.Any;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The state-of-the-world answer to one subscription: the resources it names, in name order, and a
 * version derived from their per-resource versions. Shared by the gRPC and REST servers, so a
 * client sees the same version whichever transport it uses. Immutable.
 *
 * @param type the resource type
 * @param version hash of the names and versions included; equal content gives an equal version,
 *     also across restarts
 * @param resources what to send, in name order
 * @param held whether a named resource is held back ({@link ResourceSource#held}): an answer
 *     without resources is then not sent, as it would tell the client nothing is there
 */
public record PreparedResponse(
    ResourceType type, String version, List<VersionedResource> resources, boolean held) {

  /** Builds the answer to {@code subscription} from the current resources. */
  public static PreparedResponse prepare(ResourceSource source, Subscription subscription) {
    ResourceType type = subscription.type();
    if (subscription.wildcard()) {
      return prepareWildcard(source, subscription);
    }
    // The common case, once per change for every stream that watches it: a thousand streams on a
    // few event loops ask in turn for the same resources, so the answer last prepared on this
    // thread is checked first (by the identity of the immutable resources) before hashing anew.
    List<String> names = subscription.sortedNames();
    List<VersionedResource> chosen = new ArrayList<>(names.size());
    boolean held = false;
    for (String name : names) {
      held |= source.held(type, name);
      VersionedResource r = resolve(source, type, name);
      if (r != null) {
        chosen.add(r);
      }
    }
    PreparedResponse[] memo = LAST_ON_THREAD.get();
    PreparedResponse last = memo[0];
    if (last != null && last.type == type && last.held == held && sameInstances(last, chosen)) {
      return last;
    }
    VersionedResource.Hasher version = new VersionedResource.Hasher().add(type.name());
    for (VersionedResource r : chosen) {
      version.add(r.name()).add(r.version());
    }
    PreparedResponse prepared =
        new PreparedResponse(type, version.done(), Collections.unmodifiableList(chosen), held);
    memo[0] = prepared;
    return prepared;
  }

  // Per event loop (a stream prepares on its own context), one slot: what it prepared last.
  private static final ThreadLocal<PreparedResponse[]> LAST_ON_THREAD =
      ThreadLocal.withInitial(() -> new PreparedResponse[1]);

  private static boolean sameInstances(PreparedResponse last, List<VersionedResource> chosen) {
    List<VersionedResource> had = last.resources;
    int n = chosen.size();
    if (had.size() != n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (had.get(i) != chosen.get(i)) {
        return false;
      }
    }
    return true;
  }

  private static PreparedResponse prepareWildcard(
      ResourceSource source, Subscription subscription) {
    ResourceType type = subscription.type();
    TreeMap<String, VersionedResource> chosen = new TreeMap<>(source.all(type));
    boolean held = false;
    for (String name : subscription.names()) {
      held |= source.held(type, name);
      VersionedResource r = resolve(source, type, name);
      if (r != null) {
        chosen.put(name, r);
      }
    }
    VersionedResource.Hasher version = new VersionedResource.Hasher().add(type.name());
    chosen.forEach((name, r) -> version.add(name).add(r.version()));
    return new PreparedResponse(type, version.done(), List.copyOf(chosen.values()), held);
  }

  /** The published resource of that name, else the source's placeholder, else null. */
  private static VersionedResource resolve(ResourceSource source, ResourceType type, String name) {
    Optional<VersionedResource> r = source.get(type, name);
    return r.isPresent() ? r.get() : source.placeholder(type, name).orElse(null);
  }

  /** Whether this answer is to be held back: it would only say "nothing" about held names. */
  public boolean withheld() {
    return held && resources.isEmpty();
  }

  /** The resources packed for a DiscoveryResponse. */
  public List<Any> bodies() {
    return bodies(resources);
  }

  /** {@code resources} packed for a DiscoveryResponse. */
  public static List<Any> bodies(List<VersionedResource> resources) {
    List<Any> bodies = new ArrayList<>(resources.size());
    for (VersionedResource r : resources) {
      bodies.add(r.body());
    }
    return bodies;
  }
}
