package io.loadeds.snapshot;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The narrow view of published xDS resources that the protocol servers (SotW, delta, REST) see:
 * read the current resources, and watch for changes. Implementations are thread-safe; every
 * returned value is immutable.
 */
public interface ResourceSource {
  /** All current resources of a type, by name. */
  Map<String, VersionedResource> all(ResourceType type);

  /** One resource, if it exists. */
  Optional<VersionedResource> get(ResourceType type, String name);

  /**
   * What a client that names a resource that does not exist receives instead, if anything. For
   * endpoints this is an empty assignment: an Envoy cluster waiting for its first assignment must
   * not hang warming because no backend registered yet.
   */
  Optional<VersionedResource> placeholder(ResourceType type, String name);

  /**
   * Whether the answer for {@code name} is held back for now: the resource does not exist and the
   * source is not yet ready to say so (the warm-up after a start, when backends may not have
   * re-registered). A server sends nothing for a held name; the watch is woken when that changes.
   */
  default boolean held(ResourceType type, String name) {
    return false;
  }

  /**
   * Opens a watch on one type. {@code onChange} receives the names of resources that changed (were
   * added, updated or removed) and is called only for names the watch subscribes to, or for any
   * name while it is a wildcard watch. It is called on an arbitrary thread and must only hand the
   * notice over to its own context; it reads the new state with {@link #all} or {@link #get}. The
   * set may be shared with other watches: read it, never change it.
   */
  Watch watch(ResourceType type, Consumer<Set<String>> onChange);

  /** A subscription of one stream to one type. Thread-safe; close it when the stream ends. */
  interface Watch extends AutoCloseable {
    /** Replaces the subscribed names; {@code wildcard} subscribes to every resource of the type. */
    void subscribe(Set<String> names, boolean wildcard);

    @Override
    void close();
  }
}
