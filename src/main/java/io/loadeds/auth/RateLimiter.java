package io.loadeds.auth;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client (by remote address): {@code perSecond} requests a second, with bursts
 * of up to one second's worth. At most {@link #MAX_CLIENTS} buckets are kept; when full, buckets
 * that have refilled (idle clients) are dropped first, then any. A rate of 0 turns it off.
 *
 * <p>Thread-safe: the map is concurrent and each bucket is updated under its own monitor. Time
 * comes from an injected nanosecond ticker.
 */
public final class RateLimiter {
  /** Most clients tracked at once. */
  public static final int MAX_CLIENTS = 10_000;

  private static final long NANOS = 1_000_000_000L;

  private final int perSecond;
  private final LongSupplier nanoTime;
  private final int maxClients;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiter(int perSecond, LongSupplier nanoTime) {
    this(perSecond, nanoTime, MAX_CLIENTS);
  }

  RateLimiter(int perSecond, LongSupplier nanoTime, int maxClients) {
    this.perSecond = perSecond;
    this.nanoTime = nanoTime;
    this.maxClients = maxClients;
  }

  /**
   * Takes one request from {@code client}'s bucket.
   *
   * @return 0 when allowed, else how many whole seconds to wait ({@code Retry-After}, at least 1)
   */
  public long acquire(String client) {
    if (perSecond <= 0) {
      return 0;
    }
    long now = nanoTime.getAsLong();
    Bucket b = buckets.get(client);
    if (b == null) {
      if (buckets.size() >= maxClients) {
        evict(now);
      }
      b = buckets.computeIfAbsent(client, k -> new Bucket(perSecond, now));
    }
    return b.take(perSecond, now);
  }

  /** How many clients are tracked (for tests). */
  int clients() {
    return buckets.size();
  }

  private void evict(long now) {
    buckets.values().removeIf(b -> b.full(perSecond, now));
    for (Iterator<String> it = buckets.keySet().iterator();
        it.hasNext() && buckets.size() >= maxClients; ) {
      it.next();
      it.remove();
    }
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(int capacity, long now) {
      this.tokens = capacity;
      this.last = now;
    }

    synchronized long take(int rate, long now) {
      refill(rate, now);
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      double wait = (1 - tokens) / rate;
      return Math.max(1, (long) Math.ceil(wait));
    }

    synchronized boolean full(int rate, long now) {
      refill(rate, now);
      return tokens >= rate;
    }

    private void refill(int rate, long now) {
      long elapsed = Math.max(0, now - last);
      tokens = Math.min(rate, tokens + (double) elapsed * rate / NANOS);
      last = now;
    }
  }
}
