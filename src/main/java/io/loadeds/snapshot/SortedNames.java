package io.loadeds.snapshot;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An immutable set of resource names kept as one sorted array: what a subscription names, shared as
 * it is by the stream, the watch index and the debug page. Iterates in name order; {@link
 * #contains} is a binary search. A thousand streams each naming ten clusters kept a hash set and a
 * sorted list of them (200 bytes a stream); this is 72. Thread-safe (immutable).
 */
public final class SortedNames extends AbstractSet<String> {
  private static final SortedNames EMPTY = new SortedNames(new String[0]);

  private final String[] names;

  private SortedNames(String[] sortedDistinct) {
    this.names = sortedDistinct;
  }

  /** No names. */
  public static SortedNames of() {
    return EMPTY;
  }

  /** {@code names} themselves when they are a {@code SortedNames}, else a sorted copy. */
  public static SortedNames copyOf(Collection<String> names) {
    if (names instanceof SortedNames same) {
      return same;
    }
    if (names.isEmpty()) {
      return EMPTY;
    }
    String[] sorted = names.toArray(new String[0]);
    Arrays.sort(sorted);
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (n == 0 || !sorted[n - 1].equals(sorted[i])) {
        sorted[n++] = sorted[i];
      }
    }
    return new SortedNames(n == sorted.length ? sorted : Arrays.copyOf(sorted, n));
  }

  @Override
  public boolean contains(Object o) {
    return o instanceof String s && Arrays.binarySearch(names, s) >= 0;
  }

  @Override
  public int size() {
    return names.length;
  }

  /** The names in order, as an unmodifiable list view. */
  public List<String> asList() {
    return Collections.unmodifiableList(Arrays.asList(names));
  }

  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < names.length;
      }

      @Override
      public String next() {
        if (next >= names.length) {
          throw new NoSuchElementException();
        }
        return names[next++];
      }
    };
  }
}
