package io.loadeds.xds;

/**
 * Shares equal strings that many streams keep at once: the version of a response (every stream
 * watching the same clusters computes the same one, each as a string of its own) and a user agent
 * (the same for every Envoy of a build). A thousand streams then keep one instance of each.
 *
 * <p>Bounded and lossy on purpose: a fixed table of {@value #SLOTS} slots by hash, where a string
 * takes the place of a different one in its slot. Equal strings that meet there share; the others
 * are simply kept as they are, which is correct, only not smaller. No lock and no growth, so a
 * client making up strings cannot make it hold more.
 *
 * <p>Thread-safe: a slot is read and written without synchronization, which is safe for {@link
 * String} (immutable, with final fields); a lost write only costs some sharing.
 */
public final class SharedStrings {
  private static final int SLOTS = 1024;
  private static final String[] TABLE = new String[SLOTS];

  private SharedStrings() {}

  /** An instance equal to {@code s}: the one already shared, or {@code s} itself (then shared). */
  public static String share(String s) {
    if (s == null) {
      return null;
    }
    int slot = (s.hashCode() * 0x9E3779B9) >>> 22; // the top 10 bits of a spread hash
    String kept = TABLE[slot];
    if (s.equals(kept)) {
      return kept;
    }
    TABLE[slot] = s;
    return s;
  }
}
