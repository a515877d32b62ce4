package io.loadeds.auth;

import java.util.List;
import java.util.function.Predicate;

/**
 * Which xDS node ids may connect: exact ids, or prefixes written {@code prefix*}; an empty list
 * allows every node. Immutable and thread-safe.
 */
public final class NodeIdPolicy implements Predicate<String> {
  private final List<String> patterns;

  public NodeIdPolicy(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
  }

  /** Whether a stream whose first request names {@code nodeId} may continue. */
  @Override
  public boolean test(String nodeId) {
    if (patterns.isEmpty()) {
      return true;
    }
    for (String p : patterns) {
      boolean match =
          p.endsWith("*") ? nodeId.startsWith(p.substring(0, p.length() - 1)) : nodeId.equals(p);
      if (match) {
        return true;
      }
    }
    return false;
  }
}
