package io.loadeds.demo.backend;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with a cap and a little jitter, for retrying the EDS server.
 *
 * <p>The jitter (up to 20% less) keeps a fleet of backends from knocking on a restarted server in
 * lockstep.
 *
 * <p>Threading: not thread-safe; owned by one {@link EdsReporter}.
 */
public final class Backoff {

  private final long initialMillis;
  private final long maxMillis;
  private long nextMillis;

  /**
   * @param initial the first delay
   * @param max the largest delay, however many failures in a row
   */
  public Backoff(Duration initial, Duration max) {
    this.initialMillis = Math.max(1, initial.toMillis());
    this.maxMillis = Math.max(initialMillis, max.toMillis());
    this.nextMillis = initialMillis;
  }

  /** The delay before the next try; each call doubles the following one, up to the cap. */
  public long nextDelayMillis() {
    long delay = nextMillis;
    nextMillis = Math.min(maxMillis, nextMillis * 2);
    long jitter = (long) (delay * 0.2 * ThreadLocalRandom.current().nextDouble());
    return Math.max(1, delay - jitter);
  }

  /** Starts again from the initial delay, after a success. */
  public void reset() {
    nextMillis = initialMillis;
  }
}
