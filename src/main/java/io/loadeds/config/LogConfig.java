package io.loadeds.config;

import java.util.Objects;

/**
 * Logging. Immutable.
 *
 * @param format {@code text} (default: one human-readable line per record) or {@code json} (one
 *     JSON object per line: time, level, logger, message, and cluster/id/reason for registry
 *     events)
 */
public record LogConfig(String format) {
  public static LogConfig defaults() {
    return new LogConfig("text");
  }

  public LogConfig validate() {
    Objects.requireNonNull(format, "log.format");
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("log.format must be text or json, not '" + format + "'");
    }
    return this;
  }

  public LogConfig withFormat(String v) {
    return new LogConfig(v.trim());
  }
}
