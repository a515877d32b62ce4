package io.loadeds.json;

import java.time.Instant;

/**
 * Writes an instant as RFC 3339 in UTC, exactly as {@link Instant#toString()} does (fraction in
 * groups of three digits, as many as it needs; {@code Z}), at a fraction of its cost.
 *
 * <p>Why: every answer of the registration API names three instants, and {@code Instant.toString}
 * goes through a general formatter each time; it was a few percent of a registration's CPU. The
 * date-and-time part of a second is kept once made, in a small table indexed by the second, so the
 * seconds a busy server writes over and over are formatted once. Thread-safe without locks: a table
 * entry is an immutable pair, and a racing write only costs one more formatting.
 */
public final class Rfc3339 {
  private static final int SLOTS = 64;

  /** A second and its text up to, not including, the fraction and the {@code Z}. */
  private record Second(long epochSecond, String text) {}

  private static final Second[] SECONDS = new Second[SLOTS];

  private Rfc3339() {}

  /** {@code t} as {@link Instant#toString()} writes it; null for null. */
  public static String format(Instant t) {
    if (t == null) {
      return null;
    }
    long second = t.getEpochSecond();
    int slot = (int) Math.floorMod(second, (long) SLOTS);
    Second cached = SECONDS[slot];
    if (cached == null || cached.epochSecond != second) {
      String whole = Instant.ofEpochSecond(second).toString(); // no fraction: ends in Z
      cached = new Second(second, whole.substring(0, whole.length() - 1));
      SECONDS[slot] = cached;
    }
    int nanos = t.getNano();
    StringBuilder out = new StringBuilder(cached.text.length() + 11).append(cached.text);
    if (nanos > 0) {
      // Groups of three digits, as many as the nanoseconds need (as ISO_INSTANT prints them).
      int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
      out.append('.');
      int div = 100_000_000;
      for (int i = 0; i < digits; i++) {
        out.append((char) ('0' + nanos / div % 10));
        div /= 10;
      }
    }
    return out.append('Z').toString();
  }
}
