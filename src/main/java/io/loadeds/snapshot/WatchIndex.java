package io.loadeds.snapshot;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The watches of one resource type, indexed by the names they subscribe to, so a change to one
 * resource wakes only its subscribers (plus wildcard watches). Thread-safe: streams subscribe from
 * their own contexts while the cache looks up watchers on its context.
 *
 * <p>The watchers of a name are a copy-on-write array: 4 bytes per watch and name, where a
 * concurrent set took a 32-byte node (a thousand streams watching ten clusters: 280 KB less). A
 * subscribe copies the arrays of the names it adds or drops, which is cheap next to the response it
 * leads to; a lookup reads whichever array is current, without a lock.
 */
final class WatchIndex {
  private static final IndexedWatch[] NONE = {};

  // Replaced, never changed in place; written under the lock of this index.
  private volatile IndexedWatch[] wildcard = NONE;
  // An array per name; compute() replaces it atomically, an empty one is removed.
  private final ConcurrentHashMap<String, IndexedWatch[]> byName = new ConcurrentHashMap<>();

  ResourceSource.Watch open(Consumer<Set<String>> onChange) {
    return new IndexedWatch(onChange);
  }

  /** Adds to {@code out} every watch interested in {@code name}, with the name. */
  void collect(String name, Map<IndexedWatch, Set<String>> out) {
    Set<String> just = Set.of(name);
    for (IndexedWatch w : wildcard) {
      add(out, w, just);
    }
    IndexedWatch[] named = byName.get(name);
    if (named != null) {
      for (IndexedWatch w : named) {
        add(out, w, just);
      }
    }
  }

  /**
   * Adds to {@code out} every watch that names a resource {@code which} accepts, with the names.
   */
  void collectNamed(Predicate<String> which, Map<IndexedWatch, Set<String>> out) {
    byName.forEach(
        (name, named) -> {
          if (which.test(name)) {
            Set<String> just = Set.of(name);
            for (IndexedWatch w : named) {
              add(out, w, just);
            }
          }
        });
  }

  /**
   * Records that {@code w} is to hear of {@code names}. A change to one cluster wakes every stream
   * that watches it, a thousand at a time: they share one immutable set of that name, and only a
   * watch that hears of a second name gets a set of its own (mutable, and grown in place).
   */
  private static void add(Map<IndexedWatch, Set<String>> out, IndexedWatch w, Set<String> names) {
    out.compute(
        w,
        (k, have) -> {
          if (have == null) {
            return names;
          }
          if (have instanceof HashSet<String> own) {
            own.addAll(names);
            return own;
          }
          Set<String> own = new HashSet<>(have);
          own.addAll(names);
          return own;
        });
  }

  int size() {
    Set<IndexedWatch> all = new HashSet<>(Arrays.asList(wildcard));
    byName.values().forEach(ws -> all.addAll(Arrays.asList(ws)));
    return all.size();
  }

  private static IndexedWatch[] with(IndexedWatch[] ws, IndexedWatch w) {
    IndexedWatch[] more = Arrays.copyOf(ws, ws.length + 1);
    more[ws.length] = w;
    return more;
  }

  /** {@code ws} without {@code w}, or null when nothing is left. */
  private static IndexedWatch[] without(IndexedWatch[] ws, IndexedWatch w) {
    for (int i = 0; i < ws.length; i++) {
      if (ws[i] == w) {
        if (ws.length == 1) {
          return null;
        }
        IndexedWatch[] fewer = new IndexedWatch[ws.length - 1];
        System.arraycopy(ws, 0, fewer, 0, i);
        System.arraycopy(ws, i + 1, fewer, i, ws.length - i - 1);
        return fewer;
      }
    }
    return ws;
  }

  private synchronized void wildcard(IndexedWatch w, boolean on) {
    IndexedWatch[] ws = without(wildcard, w);
    ws = ws == null ? NONE : ws;
    wildcard = on ? with(ws, w) : ws;
  }

  /** One stream's subscription to this type. */
  final class IndexedWatch implements ResourceSource.Watch {
    private final Consumer<Set<String>> onChange;
    // Guarded by this: the stream may resubscribe while an older subscribe is still indexing.
    private SortedNames names = SortedNames.of();
    private boolean isWildcard;
    private boolean closed;

    IndexedWatch(Consumer<Set<String>> onChange) {
      this.onChange = onChange;
    }

    void fire(Set<String> changed) {
      onChange.accept(changed);
    }

    @Override
    public synchronized void subscribe(Set<String> newNames, boolean newWildcard) {
      if (closed) {
        return;
      }
      SortedNames copy = SortedNames.copyOf(newNames); // the subscription's own: no copy
      for (String n : names) {
        if (!copy.contains(n)) {
          unindex(n);
        }
      }
      for (String n : copy) {
        if (!names.contains(n)) {
          byName.compute(n, (k, ws) -> with(ws == null ? NONE : ws, this));
        }
      }
      names = copy;
      if (newWildcard != isWildcard) {
        wildcard(this, newWildcard);
      }
      isWildcard = newWildcard;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      names.forEach(this::unindex);
      names = SortedNames.of();
      if (isWildcard) {
        wildcard(this, false);
      }
    }

    private void unindex(String name) {
      byName.computeIfPresent(name, (k, ws) -> without(ws, this));
    }
  }
}
