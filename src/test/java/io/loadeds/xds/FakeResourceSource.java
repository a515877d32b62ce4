package io.loadeds.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.loadeds.snapshot.ResourceBuilder;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory {@link ResourceSource} whose resources the test sets. Watches fire synchronously on
 * the caller's thread and follow the interface's contract: only watches that subscribe to a changed
 * name, or wildcard watches, are told. Thread-safe enough for single-threaded tests.
 */
public final class FakeResourceSource implements ResourceSource {
  private final Map<ResourceType, Map<String, VersionedResource>> resources =
      new EnumMap<>(ResourceType.class);
  private final List<FakeWatch> watches = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger reads =
      new java.util.concurrent.atomic.AtomicInteger();

  public FakeResourceSource() {
    for (ResourceType t : ResourceType.values()) {
      resources.put(t, new ConcurrentHashMap<>());
    }
  }

  /** An assignment of {@code cluster} with one endpoint on 127.0.0.1:{@code port}. */
  public static ClusterLoadAssignment assignment(String cluster, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder()
                                .setAddress(
                                    Address.newBuilder()
                                        .setSocketAddress(
                                            SocketAddress.newBuilder()
                                                .setAddress("127.0.0.1")
                                                .setPortValue(port))))))
        .build();
  }

  /** A resource of {@code type} named {@code name} (an assignment gets one endpoint on 8080). */
  public static Message resource(ResourceType type, String name) {
    return switch (type) {
      case ENDPOINT -> assignment(name, 8080);
      case CLUSTER -> ResourceBuilder.cluster(name);
      case LISTENER -> ResourceBuilder.listener(name);
      case ROUTE -> ResourceBuilder.route(name);
    };
  }

  /** Publishes every resource of a registered cluster, its assignment with one endpoint. */
  public FakeResourceSource cluster(String name, int port) {
    put(ResourceType.ENDPOINT, name, assignment(name, port));
    put(ResourceType.CLUSTER, name, ResourceBuilder.cluster(name));
    put(ResourceType.LISTENER, name, ResourceBuilder.listener(name));
    put(ResourceType.ROUTE, name, ResourceBuilder.route(name));
    return this;
  }

  /** Adds or replaces a resource and tells the interested watches. */
  public void put(ResourceType type, String name, Message message) {
    resources.get(type).put(name, VersionedResource.of(type, name, message));
    fire(type, name);
  }

  /** Removes a resource and tells the interested watches. */
  public void remove(ResourceType type, String name) {
    resources.get(type).remove(name);
    fire(type, name);
  }

  /** Tells the interested watches that {@code name} changed, without changing anything. */
  public void fire(ResourceType type, String name) {
    for (FakeWatch w : watches) {
      if (w.type == type && w.interestedIn(name)) {
        w.onChange.accept(Set.of(name));
      }
    }
  }

  /** The open watches of a type. */
  public List<FakeWatch> openWatches(ResourceType type) {
    return watches.stream().filter(w -> w.type == type && !w.closed).toList();
  }

  @Override
  public Map<String, VersionedResource> all(ResourceType type) {
    return Map.copyOf(new TreeMap<>(resources.get(type)));
  }

  @Override
  public Optional<VersionedResource> get(ResourceType type, String name) {
    reads.incrementAndGet();
    return Optional.ofNullable(resources.get(type).get(name));
  }

  /** How many single resources were read ({@link #get}) so far. */
  public int reads() {
    return reads.get();
  }

  @Override
  public Optional<VersionedResource> placeholder(ResourceType type, String name) {
    if (type != ResourceType.ENDPOINT) {
      return Optional.empty();
    }
    return Optional.of(VersionedResource.of(type, name, ResourceBuilder.emptyAssignment(name)));
  }

  @Override
  public Watch watch(ResourceType type, Consumer<Set<String>> onChange) {
    FakeWatch w = new FakeWatch(type, onChange);
    watches.add(w);
    return w;
  }

  /** A watch that remembers what it subscribes to. */
  public static final class FakeWatch implements Watch {
    final ResourceType type;
    final Consumer<Set<String>> onChange;
    volatile Set<String> names = Set.of();
    volatile boolean wildcard;
    volatile boolean closed;

    FakeWatch(ResourceType type, Consumer<Set<String>> onChange) {
      this.type = type;
      this.onChange = onChange;
    }

    public Set<String> names() {
      return names;
    }

    public boolean wildcard() {
      return wildcard;
    }

    boolean interestedIn(String name) {
      return !closed && (wildcard || names.contains(name));
    }

    @Override
    public void subscribe(Set<String> names, boolean wildcard) {
      this.names = Set.copyOf(names);
      this.wildcard = wildcard;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
