package io.loadeds.config;

import java.time.Duration;

/** Small argument checks shared by the config records; messages name the config key. */
final class Checks {
  private Checks() {}

  static void positive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
    }
  }

  static void notNegative(String key, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(key + " must not be negative, got " + d);
    }
  }

  static void range(String key, long v, long min, long max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be in " + min + ".." + max + ", got " + v);
    }
  }
}
