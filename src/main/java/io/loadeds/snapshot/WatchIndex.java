package io.loadeds.snapshot;

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
 */
final class WatchIndex {
  private final Set<IndexedWatch> wildcard = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, Set<IndexedWatch>> byName = new ConcurrentHashMap<>();

  ResourceSource.Watch open(Consumer<Set<String>> onChange) {
    return new IndexedWatch(onChange);
  }

  /** Adds to {@code out} every watch interested in {@code name}, with the name. */
  void collect(String name, Map<IndexedWatch, Set<String>> out) {
    Set<String> just = Set.of(name);
    for (IndexedWatch w : wildcard) {
      add(out, w, just);
    }
    Set<IndexedWatch> named = byName.get(name);
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
    Set<IndexedWatch> all = new HashSet<>(wildcard);
    byName.values().forEach(all::addAll);
    return all.size();
  }

  /** One stream's subscription to this type. */
  final class IndexedWatch implements ResourceSource.Watch {
    private final Consumer<Set<String>> onChange;
    // Guarded by this: the stream may resubscribe while an older subscribe is still indexing.
    private Set<String> names = Set.of();
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
      Set<String> copy = Set.copyOf(newNames);
      for (String n : names) {
        if (!copy.contains(n)) {
          unindex(n);
        }
      }
      for (String n : copy) {
        if (!names.contains(n)) {
          byName.compute(
              n,
              (k, s) -> {
                Set<IndexedWatch> set = s == null ? ConcurrentHashMap.newKeySet() : s;
                set.add(this);
                return set;
              });
        }
      }
      names = copy;
      if (newWildcard) {
        wildcard.add(this);
      } else {
        wildcard.remove(this);
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
      names = Set.of();
      if (isWildcard) {
        wildcard.remove(this);
      }
    }

    private void unindex(String name) {
      byName.computeIfPresent(
          name,
          (k, s) -> {
            s.remove(this);
            return s.isEmpty() ? null : s;
          });
    }
  }
}
