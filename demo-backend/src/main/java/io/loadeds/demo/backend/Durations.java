package io.loadeds.demo.backend;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses short durations such as {@code 10s}, {@code 500ms}, {@code 2m} or {@code 10} (seconds).
 */
final class Durations {

  private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m)?");

  private Durations() {}

  static Duration parse(String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration such as 10s, 500ms or 2m: " + text);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
