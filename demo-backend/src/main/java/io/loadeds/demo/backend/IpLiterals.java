package io.loadeds.demo.backend;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Tells IP literals from host names without ever asking DNS. Stateless and thread-safe. */
final class IpLiterals {

  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  /** The characters an IPv6 literal may hold, with an optional zone. */
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?");

  private IpLiterals() {}

  static boolean isIpLiteral(String text) {
    if (text == null || text.isEmpty()) {
      return false;
    }
    if (IPV4.matcher(text).matches()) {
      return true;
    }
    if (!text.contains(":") || !IPV6_CHARS.matcher(text).matches()) {
      return false;
    }
    try {
      // Only hex digits, colons and dots: getByName parses it as a literal and never asks DNS.
      InetAddress.getByName(text);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
