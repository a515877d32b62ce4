package io.loadeds.logging;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A WARNING that a client can make the server repeat thousands of times a second, such as a stream
 * refused at a limit by a client that reconnects at once: the first one is logged, then at most one
 * per interval, which also says how many were left out since the one before. The count of the last
 * burst is told with the next warning, whenever that comes. Thread-safe: any thread may call {@link
 * #warn}; when two race for the same slot one of them is counted instead of logged.
 */
public final class ThrottledWarning {
  private final System.Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong nextAt;
  private final AtomicLong leftOut = new AtomicLong();

  /** Logs to {@code log} at most once per {@code intervalNanos} of {@link System#nanoTime}. */
  public ThrottledWarning(System.Logger log, long intervalNanos) {
    this(log, intervalNanos, System::nanoTime);
  }

  /** The same with a clock of the caller's (tests). */
  ThrottledWarning(System.Logger log, long intervalNanos, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = intervalNanos;
    this.nanoTime = nanoTime;
    this.nextAt = new AtomicLong(nanoTime.getAsLong());
  }

  /**
   * Logs {@code format} ({@link java.text.MessageFormat}, as {@link System.Logger} takes it) with
   * {@code params}, unless one was logged less than an interval ago; then it is only counted.
   */
  public void warn(String format, Object... params) {
    long now = nanoTime.getAsLong();
    long next = nextAt.get();
    if (now - next < 0 || !nextAt.compareAndSet(next, now + intervalNanos)) {
      leftOut.incrementAndGet();
      return;
    }
    long skipped = leftOut.getAndSet(0);
    if (skipped == 0) {
      log.log(System.Logger.Level.WARNING, format, params);
      return;
    }
    Object[] all = Arrays.copyOf(params, params.length + 1);
    all[params.length] = Long.toString(skipped); // as digits alone, whatever the locale
    log.log(
        System.Logger.Level.WARNING,
        format + " (and {" + params.length + "} more like it not logged since the last one)",
        all);
  }
}
