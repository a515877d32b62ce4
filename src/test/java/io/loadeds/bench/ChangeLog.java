package io.loadeds.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The states each cluster passes through, in the order the harness sends the changes, and for each
 * change when the first and the last watching stream saw it. Thread-safe: one sender per cluster
 * appends, the stream threads look states up and mark changes seen.
 */
final class ChangeLog {
  /** One change of one cluster; index 0 of every cluster is its state before any toggle. */
  static final class Change {
    final int cluster;
    final int index;
    final long sentNanos;
    final boolean measured;
    private int seenBy;
    private long firstNanos = Long.MAX_VALUE;
    private long lastNanos;

    Change(int cluster, int index, long sentNanos, boolean measured) {
      this.cluster = cluster;
      this.index = index;
      this.sentNanos = sentNanos;
      this.measured = measured;
    }

    synchronized void seen(long nanos) {
      seenBy++;
      firstNanos = Math.min(firstNanos, nanos);
      lastNanos = Math.max(lastNanos, nanos);
    }

    synchronized int seenBy() {
      return seenBy;
    }

    synchronized double firstMillis() {
      return (firstNanos - sentNanos) / 1e6;
    }

    synchronized double lastMillis() {
      return (lastNanos - sentNanos) / 1e6;
    }
  }

  private final AtomicReferenceArray<Change>[] changes;
  private final Map<Long, Integer>[] byFingerprint;
  private final AtomicInteger[] size;
  final int[] watchers;

  @SuppressWarnings("unchecked")
  ChangeLog(int clusters, int capacityPerCluster, int[] watchers) {
    this.changes = new AtomicReferenceArray[clusters];
    this.byFingerprint = new Map[clusters];
    this.size = new AtomicInteger[clusters];
    this.watchers = watchers.clone();
    for (int c = 0; c < clusters; c++) {
      changes[c] = new AtomicReferenceArray<>(capacityPerCluster);
      byFingerprint[c] = new ConcurrentHashMap<>();
      size[c] = new AtomicInteger();
    }
  }

  /** Records that cluster {@code c} is being moved to the state {@code fingerprint}, now. */
  Change append(int c, long fingerprint, boolean measured) {
    int i = size[c].get();
    Change change = new Change(c, i, System.nanoTime(), measured);
    changes[c].set(i, change);
    if (byFingerprint[c].putIfAbsent(fingerprint, i) != null) {
      throw new IllegalStateException("the model repeated a state of cluster " + c);
    }
    size[c].incrementAndGet();
    return change;
  }

  /** The index of the state with this fingerprint, or -1 when the cluster was never in it. */
  int indexOf(int c, long fingerprint) {
    Integer i = byFingerprint[c].get(fingerprint);
    return i == null ? -1 : i;
  }

  Change get(int c, int index) {
    return changes[c].get(index);
  }

  /** The index of the latest state of cluster {@code c}. */
  int latest(int c) {
    return size[c].get() - 1;
  }

  int clusters() {
    return changes.length;
  }
}
