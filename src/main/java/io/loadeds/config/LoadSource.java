package io.loadeds.config;

import java.util.Locale;

/**
 * Which load figure admission and weights use ({@code load.source}): the backend's own {@code
 * active} ({@link #BACKEND}, the default), the in-progress requests the xDS clients report over LRS
 * ({@link #LRS}), or the larger of the two ({@link #MAX}: a backend that under-reports cannot hide
 * load the clients see). Immutable.
 */
public enum LoadSource {
  BACKEND,
  LRS,
  MAX;

  /** Parses {@code backend}, {@code lrs} or {@code max} (any case). */
  public static LoadSource parse(String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (LoadSource s : values()) {
      if (s.name().equals(t)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "load.source must be backend, lrs or max, not '" + (text == null ? "" : text.trim()) + "'");
  }

  /** The lower-case name used in the configuration, metrics and JSON. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
