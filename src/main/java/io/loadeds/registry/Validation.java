package io.loadeds.registry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The registry's input rules, shared by every entry point so that a bad value gets the same message
 * whichever API sent it. Stateless.
 */
public final class Validation {
  /** Names of clusters, ids, and locality parts. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final int MAX_METADATA_ENTRIES = 64;
  private static final int MAX_METADATA_LENGTH = 256;

  private Validation() {}

  /** Checks a cluster name or id against {@link #NAME}. */
  public static void name(String field, String value) {
    if (!isName(value)) {
      throw new InvalidFieldException(field, "must match [A-Za-z0-9._-]{1,128}");
    }
  }

  /**
   * Whether {@code value} matches {@link #NAME}, without a regex: every write names a cluster and
   * an id, and the matcher was a visible share of a write's CPU.
   */
  public static boolean isName(String value) {
    if (value == null || value.isEmpty() || value.length() > 128) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks that {@code address} is an IPv4 or IPv6 literal. Never resolves a name: a DNS name in an
   * endpoint list makes Envoy and gRPC clients reject the whole list.
   */
  public static void ipLiteral(String field, String address) {
    if (address == null || address.isEmpty()) {
      throw new InvalidFieldException(field, "is required");
    }
    if (IPV4.matcher(address).matches()) {
      return;
    }
    // Only a string made of hex digits, colons and dots with at least one colon reaches
    // InetAddress, which then parses it as a literal and does no lookup.
    if (address.indexOf(':') >= 0 && IPV6_CHARS.matcher(address).matches()) {
      try {
        InetAddress.getByName(address);
        return;
      } catch (UnknownHostException e) {
        // falls through to the refusal below
      }
    }
    throw new InvalidFieldException(
        field,
        "must be an IPv4 or IPv6 literal; DNS names are refused, got '" + clip(address) + "'");
  }

  static void registration(Registration r, Duration maxTtl) {
    ipLiteral("address", r.address());
    port(r.port());
    if (r.capacity() != null && r.capacity() < 1) {
      throw new InvalidFieldException("capacity", "must be >= 1 (omit it for no load gating)");
    }
    active(r.active());
    weight(r.weight());
    if (r.ttl() != null) {
      if (r.ttl().compareTo(Duration.ofSeconds(1)) < 0 || r.ttl().compareTo(maxTtl) > 0) {
        throw new InvalidFieldException(
            "ttlSeconds", "must be in 1.." + maxTtl.toSeconds() + " seconds");
      }
    }
    locality(r.locality());
    metadata(r.metadata());
  }

  static void port(int port) {
    if (port < 1 || port > 65535) {
      throw new InvalidFieldException("port", "must be in 1..65535, got " + port);
    }
  }

  static void active(int active) {
    if (active < 0) {
      throw new InvalidFieldException("active", "must be >= 0, got " + active);
    }
  }

  static void capacity(Integer capacity) {
    if (capacity != null && capacity < 1) {
      throw new InvalidFieldException("capacity", "must be >= 1 (null for no load gating)");
    }
  }

  static void weight(Integer weight) {
    if (weight != null && weight < 1) {
      throw new InvalidFieldException("weight", "must be >= 1, got " + weight);
    }
  }

  static void locality(Locality l) {
    part("locality.region", l.region());
    part("locality.zone", l.zone());
    part("locality.subZone", l.subZone());
  }

  static void metadata(Map<String, String> metadata) {
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw new InvalidFieldException("metadata", "at most " + MAX_METADATA_ENTRIES + " entries");
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().length() > MAX_METADATA_LENGTH) {
        throw new InvalidFieldException(
            "metadata", "keys must be 1.." + MAX_METADATA_LENGTH + " chars");
      }
      if (e.getValue() == null || e.getValue().length() > MAX_METADATA_LENGTH) {
        throw new InvalidFieldException(
            "metadata." + clip(e.getKey()),
            "must be a string of at most " + MAX_METADATA_LENGTH + " chars");
      }
    }
  }

  private static void part(String field, String value) {
    if (!value.isEmpty() && !isName(value)) {
      throw new InvalidFieldException(field, "must match [A-Za-z0-9._-]{1,128} or be empty");
    }
  }

  private static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
