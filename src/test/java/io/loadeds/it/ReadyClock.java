package io.loadeds.it;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntUnaryOperator;

/**
 * Notes when each of several servers first answers {@code /readyz} with 200, polling them every 100
 * ms on a daemon thread of its own, so that a test can later compare the moments their warm-ups
 * ended while other tests ran meanwhile. Stops by itself once every server is ready, or after three
 * minutes.
 *
 * <p>Thread-safe: the moments are an atomic array written by the polling thread only.
 */
final class ReadyClock implements AutoCloseable {
  private static final long LIMIT_NANOS = 180_000_000_000L;

  private final AtomicLongArray readyAt; // System.nanoTime(), 0: not yet
  private final Thread poller;
  private volatile boolean closed;

  /**
   * @param servers how many servers
   * @param httpPort the HTTP port of server {@code i}, read at every poll (a server may restart)
   */
  ReadyClock(int servers, IntUnaryOperator httpPort) {
    this.readyAt = new AtomicLongArray(servers);
    this.poller = new Thread(() -> poll(httpPort), "ready-clock");
    poller.setDaemon(true);
    poller.start();
  }

  private void poll(IntUnaryOperator httpPort) {
    long until = System.nanoTime() + LIMIT_NANOS;
    while (!closed && !allReady() && System.nanoTime() < until) {
      for (int i = 0; i < readyAt.length(); i++) {
        if (readyAt.get(i) == 0 && ready(httpPort.applyAsInt(i))) {
          readyAt.set(i, System.nanoTime());
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return; // closed
      }
    }
  }

  private static boolean ready(int port) {
    try {
      return ReplicaHttp.ready(port);
    } catch (Exception e) {
      return false; // not answering yet counts as not ready
    }
  }

  boolean allReady() {
    for (int i = 0; i < readyAt.length(); i++) {
      if (readyAt.get(i) == 0) {
        return false;
      }
    }
    return true;
  }

  /** Nanoseconds between the first and the last server to become ready; all must be. */
  long spreadNanos() {
    long[] at = new long[readyAt.length()];
    for (int i = 0; i < at.length; i++) {
      at[i] = readyAt.get(i);
    }
    return Arrays.stream(at).max().orElse(0) - Arrays.stream(at).min().orElse(0);
  }

  @Override
  public void close() {
    closed = true;
    poller.interrupt();
  }
}
