package io.loadeds.snapshot;

import static org.assertj.core.api.Assertions.fail;

import java.util.function.BooleanSupplier;

/** Bounded polling for conditions reached on another thread: no sleeps sized by guesswork. */
final class Await {
  static final long TIMEOUT_MILLIS = 5_000;

  private Await() {}

  /** Returns as soon as {@code condition} holds; fails after {@link #TIMEOUT_MILLIS}. */
  static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + TIMEOUT_MILLIS + " ms: " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for: " + what);
      }
    }
  }
}
