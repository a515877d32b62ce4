package io.loadeds.xds;

import com.google.protobuf.Any;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import java.util.ArrayList;
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
 * @param resources what to send
 * @param held whether a named resource is held back ({@link ResourceSource#held}): an answer
 *     without resources is then not sent, as it would tell the client nothing is there
 */
public record PreparedResponse(
    ResourceType type, String version, List<VersionedResource> resources, boolean held) {

  /** Builds the answer to {@code subscription} from the current resources. */
  public static PreparedResponse prepare(ResourceSource source, Subscription subscription) {
    ResourceType type = subscription.type();
    TreeMap<String, VersionedResource> chosen = new TreeMap<>();
    if (subscription.wildcard()) {
      chosen.putAll(source.all(type));
    }
    boolean held = false;
    for (String name : subscription.names()) {
      held |= source.held(type, name);
      Optional<VersionedResource> r = source.get(type, name);
      if (r.isEmpty()) {
        r = source.placeholder(type, name);
      }
      r.ifPresent(v -> chosen.put(name, v));
    }
    List<String> parts = new ArrayList<>(chosen.size() * 2 + 1);
    parts.add(type.name());
    chosen.forEach(
        (name, r) -> {
          parts.add(name);
          parts.add(r.version());
        });
    return new PreparedResponse(
        type, VersionedResource.hash(parts), List.copyOf(chosen.values()), held);
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
    return resources.stream().map(VersionedResource::body).toList();
  }
}
