package io.loadeds.admin;

import java.util.Arrays;

/**
 * Counts events per wall-clock minute over the last {@code minutes} minutes (the dashboard's chart
 * of admission changes). A busy fleet flips admissions thousands of times a minute; one counter per
 * minute keeps the memory fixed however many there are.
 *
 * <p>Thread-safe: writers are the registry's threads, readers the admin handlers.
 */
final class AdmissionHistory {
  private final long[] counts;
  // The minute (millis / 60000) each slot counts; a slot whose minute is not among the last
  // ones is stale and reads as zero.
  private final long[] minuteOf;

  AdmissionHistory(int minutes) {
    counts = new long[minutes];
    minuteOf = new long[minutes];
    Arrays.fill(minuteOf, Long.MIN_VALUE);
  }

  /** Counts one event at {@code millis} (epoch milliseconds). */
  synchronized void record(long millis) {
    long minute = Math.floorDiv(millis, 60_000L);
    int slot = slot(minute);
    if (minuteOf[slot] != minute) {
      minuteOf[slot] = minute;
      counts[slot] = 0;
    }
    counts[slot]++;
  }

  /** Events per minute, oldest first; the last entry is the minute holding {@code nowMillis}. */
  synchronized long[] perMinute(long nowMillis) {
    long current = Math.floorDiv(nowMillis, 60_000L);
    long[] out = new long[counts.length];
    for (int i = 0; i < out.length; i++) {
      long minute = current - (out.length - 1 - i);
      int slot = slot(minute);
      out[i] = minuteOf[slot] == minute ? counts[slot] : 0;
    }
    return out;
  }

  private int slot(long minute) {
    return (int) Math.floorMod(minute, (long) counts.length);
  }
}
