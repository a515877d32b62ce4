package io.loadeds.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Who may do what. Immutable; {@link #toString} never shows the token.
 *
 * @param token the global registration token (default none; prefer {@code LOADEDS_AUTH_TOKEN})
 * @param tokensFile a YAML/JSON file {@code {global: "...", clusters: {shop: "..."}}} (default
 *     none); with any token configured, PUT/PATCH/DELETE need {@code Authorization: Bearer}
 * @param protectReads whether reads ({@code GET /v1/...}, {@code /dashboard}, {@code /edsservice})
 *     need a token too (default false)
 * @param allowedAddresses cluster (or {@code *} for the rest) → CIDR ranges its endpoints may use
 *     (default: any address)
 * @param allowedNodeIds xDS node ids that may connect: exact ids or {@code prefix*} (default: all)
 */
public record AuthConfig(
    String token,
    String tokensFile,
    boolean protectReads,
    Map<String, List<String>> allowedAddresses,
    List<String> allowedNodeIds) {

  public AuthConfig {
    token = token == null ? "" : token.strip();
    tokensFile = tokensFile == null ? "" : tokensFile.strip();
    Map<String, List<String>> copy = new LinkedHashMap<>();
    allowedAddresses.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    allowedAddresses = Collections.unmodifiableMap(copy);
    allowedNodeIds = List.copyOf(allowedNodeIds);
  }

  public static AuthConfig defaults() {
    return new AuthConfig("", "", false, Map.of(), List.of());
  }

  public AuthConfig validate() {
    if (protectReads && token.isEmpty() && tokensFile.isEmpty()) {
      throw new IllegalArgumentException(
          "auth.protectReads needs a token (auth.token or auth.tokensFile)");
    }
    return this;
  }

  public AuthConfig withToken(String v) {
    return new AuthConfig(v, tokensFile, protectReads, allowedAddresses, allowedNodeIds);
  }

  public AuthConfig withTokensFile(String v) {
    return new AuthConfig(token, v, protectReads, allowedAddresses, allowedNodeIds);
  }

  public AuthConfig withProtectReads(boolean v) {
    return new AuthConfig(token, tokensFile, v, allowedAddresses, allowedNodeIds);
  }

  public AuthConfig withAllowedAddresses(Map<String, List<String>> v) {
    return new AuthConfig(token, tokensFile, protectReads, v, allowedNodeIds);
  }

  public AuthConfig withAllowedNodeIds(List<String> v) {
    return new AuthConfig(token, tokensFile, protectReads, allowedAddresses, v);
  }

  /** {@code a,b} → [a, b]; blank → []. */
  static List<String> parseList(String text) {
    List<String> out = new ArrayList<>();
    for (String s : text.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  /** {@code shop=10.0.0.0/8,192.168.0.0/16;*=10.0.0.0/8} → a map; blank → empty. */
  static Map<String, List<String>> parseMap(String text) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String entry : text.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "'" + entry.strip() + "' is not cluster=range,range (e.g. shop=10.0.0.0/8)");
      }
      out.put(entry.substring(0, eq).strip(), parseList(entry.substring(eq + 1)));
    }
    return out;
  }

  static String formatMap(Map<String, List<String>> map) {
    return map.entrySet().stream()
        .map(e -> e.getKey() + "=" + String.join(",", e.getValue()))
        .collect(Collectors.joining(";"));
  }

  static boolean parseBoolean(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
    };
  }

  @Override
  public String toString() {
    return "AuthConfig[token="
        + (token.isEmpty() ? "none" : "(set)")
        + ", tokensFile="
        + tokensFile
        + ", protectReads="
        + protectReads
        + ", allowedAddresses="
        + allowedAddresses
        + ", allowedNodeIds="
        + allowedNodeIds
        + "]";
  }
}
