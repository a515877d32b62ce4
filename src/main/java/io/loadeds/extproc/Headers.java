package io.loadeds.extproc;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable view of the headers (or trailers) Envoy sent, looked up without regard to case.
 * Envoy sends lower-case names and may carry a value in {@code raw_value} (bytes, recent versions)
 * or {@code value}; both read the same here. Pseudo-headers keep their colon ({@code :path}, {@code
 * :method}, {@code :authority}, {@code :status}). Safe to share between threads.
 */
public final class Headers {
  private static final Headers EMPTY = new Headers(Map.of());

  private final Map<String, List<String>> byName;

  private Headers(Map<String, List<String>> byName) {
    this.byName = byName;
  }

  /** No headers. */
  public static Headers empty() {
    return EMPTY;
  }

  /** The headers of an Envoy {@code HeaderMap}. */
  public static Headers of(HeaderMap map) {
    if (map.getHeadersCount() == 0) {
      return EMPTY;
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (HeaderValue h : map.getHeadersList()) {
      String value =
          h.getRawValue().isEmpty()
              ? h.getValue()
              : h.getRawValue().toString(StandardCharsets.UTF_8);
      out.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
    }
    out.replaceAll((k, v) -> List.copyOf(v));
    return new Headers(Map.copyOf(out));
  }

  /** The first value of {@code name}, if present. */
  public Optional<String> get(String name) {
    List<String> values = byName.get(name.toLowerCase(Locale.ROOT));
    return values == null ? Optional.empty() : Optional.of(values.get(0));
  }

  /** Every value of {@code name}, in the order sent; empty when absent. */
  public List<String> all(String name) {
    return byName.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /** Whether {@code name} is present. */
  public boolean contains(String name) {
    return byName.containsKey(name.toLowerCase(Locale.ROOT));
  }

  /** Every header, by lower-case name (immutable). */
  public Map<String, List<String>> asMap() {
    return byName;
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  @Override
  public String toString() {
    return byName.toString();
  }
}
