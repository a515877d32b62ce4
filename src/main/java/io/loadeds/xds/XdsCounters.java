package io.loadeds.xds;

import io.loadeds.snapshot.ResourceType;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what happens on xDS streams, per resource type: responses sent, ACKs, NACKs and requests
 * ignored for a stale nonce; and, as a gauge, the streams open now by mode ({@code sotw-ads},
 * {@code sotw-eds}, ...). Read it with {@link #snapshot()}.
 *
 * <p>Thread-safe: streams on every event loop report here at once, each on its own context. A count
 * is a {@link LongAdder} increment (no lock); a snapshot reads each counter separately, so it is
 * not atomic across counters (it may show an ACK whose response it does not count yet), but every
 * count only ever grows and the gauge is exact per mode.
 */
public final class XdsCounters implements XdsListener {
  /** The counts of one resource type at one moment. */
  public record TypeCounts(long responses, long acks, long nacks, long staleNonces) {}

  /**
   * The counters at one moment. Immutable.
   *
   * @param types counts for every {@link ResourceType}
   * @param openStreams streams open now, by mode; a mode that has had streams stays listed at 0
   */
  public record Snapshot(Map<ResourceType, TypeCounts> types, Map<String, Long> openStreams) {
    public Snapshot {
      types = Map.copyOf(types);
      openStreams = Map.copyOf(openStreams);
    }

    /** The counts of {@code type}. */
    public TypeCounts of(ResourceType type) {
      return types.get(type);
    }

    /** Streams of {@code mode} open now. */
    public long openStreams(String mode) {
      return openStreams.getOrDefault(mode, 0L);
    }

    /** Streams open now, of every mode. */
    public long openStreamsTotal() {
      return openStreams.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static final class TypeCounters {
    final LongAdder responses = new LongAdder();
    final LongAdder acks = new LongAdder();
    final LongAdder nacks = new LongAdder();
    final LongAdder staleNonces = new LongAdder();

    TypeCounts read() {
      return new TypeCounts(responses.sum(), acks.sum(), nacks.sum(), staleNonces.sum());
    }
  }

  /** Filled in the constructor and never changed, so reads need no lock. */
  private final Map<ResourceType, TypeCounters> types = new EnumMap<>(ResourceType.class);

  /** An AtomicLong, not a LongAdder: a gauge read while it moves must never show less than 0. */
  private final Map<String, AtomicLong> openByMode = new ConcurrentHashMap<>();

  public XdsCounters() {
    for (ResourceType t : ResourceType.values()) {
      types.put(t, new TypeCounters());
    }
  }

  @Override
  public void streamOpened(long streamId, String mode) {
    openByMode.computeIfAbsent(mode, m -> new AtomicLong()).incrementAndGet();
  }

  /** Named with its mode, and once per stream ({@link XdsListener}): no table per stream here. */
  @Override
  public void streamClosed(long streamId, String mode, String nodeId) {
    AtomicLong open = openByMode.get(mode);
    if (open != null) {
      open.decrementAndGet();
    }
  }

  @Override
  public void responseSent(long streamId, String nodeId, ResourceType type, String version) {
    types.get(type).responses.increment();
  }

  @Override
  public void acked(long streamId, String nodeId, ResourceType type, String version) {
    types.get(type).acks.increment();
  }

  @Override
  public void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {
    types.get(type).nacks.increment();
  }

  @Override
  public void staleNonce(long streamId, String nodeId, ResourceType type) {
    types.get(type).staleNonces.increment();
  }

  /** The counters now. */
  public Snapshot snapshot() {
    Map<ResourceType, TypeCounts> counts = new EnumMap<>(ResourceType.class);
    types.forEach((t, c) -> counts.put(t, c.read()));
    Map<String, Long> open = new TreeMap<>();
    openByMode.forEach((mode, n) -> open.put(mode, n.get()));
    return new Snapshot(counts, open);
  }
}
