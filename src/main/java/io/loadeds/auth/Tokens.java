package io.loadeds.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.loadeds.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The registration API's bearer tokens: global ones (grant every cluster) and per-cluster ones.
 * Only SHA-256 digests are kept, and a presented token is compared with every one of them in
 * constant time ({@link MessageDigest#isEqual}), so neither timing nor length tells which part
 * matched. Immutable and thread-safe; {@link #toString} never shows a secret.
 */
public final class Tokens {
  /** Tokens shorter than this are refused at startup: they could be guessed. */
  public static final int MIN_LENGTH = 16;

  private record Entry(byte[] digest, Identity identity) {}

  private final List<Entry> entries;

  private Tokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Tokens from the configured global token (may be empty) and a tokens file (may be empty), a YAML
   * or JSON mapping {@code {global: "...", clusters: {shop: "..."}}}.
   *
   * @throws ConfigException if the file is missing, unreadable or malformed, or a token is too
   *     short; the message names the setting (and the file) and never contains a token
   */
  public static Tokens load(String globalToken, String tokensFile) {
    List<Entry> out = new ArrayList<>();
    if (!globalToken.isEmpty()) {
      out.add(entry("auth.token", globalToken, Identity.GLOBAL));
    }
    if (!tokensFile.isEmpty()) {
      readFile(Path.of(tokensFile), out);
    }
    return new Tokens(out);
  }

  /** Tokens from values (tests and programmatic use). */
  public static Tokens of(String global, Map<String, String> clusters) {
    List<Entry> out = new ArrayList<>();
    if (global != null) {
      out.add(entry("global", global, Identity.GLOBAL));
    }
    clusters.forEach((c, t) -> out.add(entry("clusters." + c, t, Identity.forCluster(c))));
    return new Tokens(out);
  }

  /** Whether any token is configured, i.e. whether writes need one. */
  public boolean enabled() {
    return !entries.isEmpty();
  }

  /** Who presents {@code token}: {@link Identity#NONE} when it matches no configured token. */
  public Identity identify(String token) {
    if (token == null || token.isEmpty()) {
      return Identity.NONE;
    }
    byte[] presented = sha256(token);
    Identity found = Identity.NONE;
    for (Entry e : entries) { // no early exit: every comparison is made
      if (MessageDigest.isEqual(e.digest(), presented)) {
        found = e.identity();
      }
    }
    return found;
  }

  @Override
  public String toString() {
    return "Tokens[" + entries.stream().map(e -> e.identity().toString()).toList() + "]";
  }

  private static void readFile(Path file, List<Entry> out) {
    String where = "auth.tokensFile " + file + ": ";
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      // Names the file and the fault only: the parser's message may quote a token.
      throw ConfigException.unreadable("auth.tokensFile", file, e);
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(where + "must hold a mapping {global: ..., clusters: {...}}");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!k.equals("global") && !k.equals("clusters")) {
        throw new ConfigException(where + "unknown key '" + k + "' (global, clusters)");
      }
    }
    JsonNode global = root.path("global");
    if (!global.isMissingNode() && !global.isNull()) {
      out.add(entry(where + "global", text(global, where + "global"), Identity.GLOBAL));
    }
    JsonNode clusters = root.path("clusters");
    if (!clusters.isMissingNode() && !clusters.isNull()) {
      if (!clusters.isObject()) {
        throw new ConfigException(where + "clusters must be a mapping of cluster to token");
      }
      clusters
          .fields()
          .forEachRemaining(
              f -> {
                String key = where + "clusters." + f.getKey();
                out.add(entry(key, text(f.getValue(), key), Identity.forCluster(f.getKey())));
              });
    }
  }

  private static String text(JsonNode node, String where) {
    if (!node.isTextual()) {
      throw new ConfigException(where + " must be a string");
    }
    return node.asText();
  }

  /**
   * @param where names the token for an error: the setting, and the file and key it came from
   */
  private static Entry entry(String where, String token, Identity identity) {
    if (token.strip().length() < MIN_LENGTH) {
      throw new ConfigException(where + " is shorter than " + MIN_LENGTH + " characters");
    }
    return new Entry(sha256(token.strip()), identity);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
