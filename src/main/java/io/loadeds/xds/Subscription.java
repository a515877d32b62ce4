package io.loadeds.xds;

import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.SortedNames;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What one stream wants of one resource type, following the xDS wildcard rules. Not thread-safe:
 * owned by one stream on its context.
 *
 * <p>Rules (xDS protocol, "How the client specifies what resources to return"): {@code "*"} is an
 * explicit wildcard. For LDS and CDS, an empty name list on the first request is a legacy wildcard,
 * and it stays a wildcard while the client keeps sending empty lists (Envoy's ACKs of a wildcard
 * CDS carry no names); once the client has named resources, an empty list unsubscribes from all.
 * For EDS and RDS an empty list never means "everything".
 */
public final class Subscription {
  private static final String WILDCARD = "*";
  private static final int SMALL = 64;

  private final ResourceType type;
  private final int maxNames;
  private final long maxNameChars;
  private final UnaryOperator<String> canonical;
  private SortedNames names = SortedNames.of();
  private boolean wildcard;
  private boolean legacyWildcard;
  private boolean started;

  /**
   * A request that would make a subscription name more than its limit of resources; the
   * subscription is left as it was.
   */
  public static final class TooManyNames extends IllegalArgumentException {
    TooManyNames(ResourceType type, int named, int max) {
      super(
          "the request names "
              + named
              + " "
              + type
              + " resources; one client may name at most "
              + max
              + " (xds.maxNamesPerSubscription)");
    }

    TooManyNames(ResourceType type, long chars, long max) {
      super(
          "the request would make this client's "
              + type
              + " names "
              + chars
              + " characters long in all; one client may name at most "
              + max
              + ", what one request may carry (xds.maxMessageBytes)");
    }
  }

  /**
   * @param maxNames how many resources (besides {@code "*"}) the subscription may name
   */
  public Subscription(ResourceType type, int maxNames) {
    this(type, maxNames, UnaryOperator.identity());
  }

  /**
   * @param maxNames how many resources (besides {@code "*"}) the subscription may name
   * @param canonical returns an equal string to keep in place of a requested name: the cache's own
   *     instance of a name it publishes. Every request decodes fresh strings, and a thousand
   *     streams naming the same clusters would otherwise each keep their own copies.
   */
  public Subscription(ResourceType type, int maxNames, UnaryOperator<String> canonical) {
    this(type, maxNames, Long.MAX_VALUE, canonical);
  }

  /**
   * @param maxNames how many resources (besides {@code "*"}) the subscription may name
   * @param maxNameChars how many characters its names may add up to. A SotW request names the whole
   *     list, so one message bounds it; incremental requests add names up, and without this one
   *     stream could pin any amount of the heap with long names.
   * @param canonical as in {@link #Subscription(ResourceType, int, UnaryOperator)}
   */
  public Subscription(
      ResourceType type, int maxNames, long maxNameChars, UnaryOperator<String> canonical) {
    this.type = type;
    this.maxNames = maxNames;
    this.maxNameChars = maxNameChars;
    this.canonical = canonical;
  }

  /**
   * Applies the names of a request (SotW: the full list every time).
   *
   * @return whether the subscription changed
   * @throws TooManyNames when it would name more than its limit
   */
  public boolean replace(Collection<String> requested) {
    if (requested.size() > maxNames + 1) { // before copying what may be a huge list
      throw new TooManyNames(type, requested.size(), maxNames);
    }
    if (repeats(requested)) {
      return false;
    }
    Set<String> explicit = new LinkedHashSet<>(requested);
    boolean star = explicit.remove(WILDCARD);
    if (explicit.size() > maxNames) {
      throw new TooManyNames(type, explicit.size(), maxNames);
    }
    boolean first = !started;
    started = true;
    boolean newWildcard;
    if (star) {
      newWildcard = true;
      legacyWildcard = false;
    } else if (explicit.isEmpty() && type.wildcardCapable() && (first || legacyWildcard)) {
      newWildcard = true;
      legacyWildcard = true;
    } else {
      newWildcard = false;
      legacyWildcard = false;
    }
    boolean namesChanged = keep(explicit);
    boolean changed = namesChanged || newWildcard != wildcard;
    wildcard = newWildcard;
    return changed;
  }

  /**
   * Applies the changes of an incremental (delta) request: first {@code subscribe}, then {@code
   * unsubscribe}; {@code "*"} in either list turns the wildcard on or off, and unknown names in
   * {@code unsubscribe} are ignored.
   *
   * <p>Legacy wildcard, delta flavour (xDS protocol, "How the client specifies what resources to
   * return", the incremental example): a first LDS/CDS request with both lists empty subscribes to
   * {@code "*"}; unlike SotW, later names are added to it, and only unsubscribing {@code "*"} ends
   * it. Do not mix with {@link #replace} on one subscription.
   *
   * @return whether the subscription changed
   * @throws TooManyNames when it would name more than its limit of names or of characters
   */
  public boolean update(Collection<String> subscribe, Collection<String> unsubscribe) {
    if (subscribe.size() > maxNames + 1) { // before copying what may be a huge list
      throw new TooManyNames(type, subscribe.size(), maxNames);
    }
    boolean first = !started;
    boolean newWildcard = wildcard;
    Set<String> newNames = new LinkedHashSet<>(names);
    if (first && subscribe.isEmpty() && unsubscribe.isEmpty() && type.wildcardCapable()) {
      newWildcard = true;
    }
    for (String n : subscribe) {
      if (n.equals(WILDCARD)) {
        newWildcard = true;
      } else {
        newNames.add(n);
      }
    }
    for (String n : unsubscribe) {
      if (n.equals(WILDCARD)) {
        newWildcard = false;
      } else {
        newNames.remove(n);
      }
    }
    if (newNames.size() > maxNames) {
      throw new TooManyNames(type, newNames.size(), maxNames);
    }
    // Only a subscription adds characters; an ACK or an unsubscription is not summed again.
    if (!subscribe.isEmpty() && maxNameChars != Long.MAX_VALUE) {
      long chars = 0;
      for (String n : newNames) {
        chars += n.length();
      }
      if (chars > maxNameChars) {
        throw new TooManyNames(type, chars, maxNameChars);
      }
    }
    started = true;
    boolean namesChanged = keep(newNames);
    boolean changed = namesChanged || newWildcard != wildcard;
    wildcard = newWildcard;
    legacyWildcard = false;
    return changed;
  }

  /**
   * Makes {@code newNames} the named resources, in canonical instances.
   *
   * @return whether they differ from the current ones; when equal, the current set (and its
   *     strings, shared with the watch index) is kept and the request's copies are left to the GC
   */
  private boolean keep(Set<String> newNames) {
    if (newNames.equals(names)) {
      return false;
    }
    names = SortedNames.copyOf(newNames.stream().map(canonical).toList());
    return true;
  }

  /**
   * Whether a SotW request names exactly what is subscribed already, with no wildcard on either
   * side: what every ACK of an unchanged subscription sends. Answered without copying the list.
   * Lists of up to {@value #SMALL} names are checked for duplicates pair by pair; longer ones take
   * the general path.
   */
  private boolean repeats(Collection<String> requested) {
    int n = requested.size();
    if (!started || wildcard || n == 0 || n != names.size() || n > SMALL) {
      return false;
    }
    if (!(requested instanceof List<String> list)) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      String name = list.get(i);
      if (!names.contains(name)) {
        return false; // also catches "*", never a member of names
      }
      for (int j = 0; j < i; j++) {
        if (list.get(j).equals(name)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether the client wants {@code name}: it names it, or it is a wildcard subscription. */
  public boolean covers(String name) {
    return wildcard || names.contains(name);
  }

  public boolean wildcard() {
    return wildcard;
  }

  /** {@link #names()} in name order. */
  public List<String> sortedNames() {
    return names.asList();
  }

  /** Explicitly named resources (a wildcard subscription may name some too), in name order. */
  public Set<String> names() {
    return names;
  }

  public ResourceType type() {
    return type;
  }
}
