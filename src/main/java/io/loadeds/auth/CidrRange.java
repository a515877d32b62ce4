package io.loadeds.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}); a
 * bare address is a range of one. IPv4-mapped IPv6 addresses ({@code ::ffff:10.0.0.1}) are matched
 * as the IPv4 address they carry, as the JDK parses them. Immutable and thread-safe.
 */
public final class CidrRange {
  private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

  private final String text;
  private final byte[] network;
  private final int prefix;

  private CidrRange(String text, byte[] network, int prefix) {
    this.text = text;
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses {@code address[/prefix]}; only IP literals, never a host name (no lookup).
   *
   * @throws IllegalArgumentException naming the bad range
   */
  public static CidrRange parse(String cidr) {
    String s = cidr.strip();
    int slash = s.indexOf('/');
    byte[] addr = literal(slash < 0 ? s : s.substring(0, slash), cidr);
    int max = addr.length * 8;
    int prefix = max;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + cidr + "' has no valid prefix length");
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException("'" + cidr + "' has a prefix length outside 0.." + max);
      }
    }
    return new CidrRange(s, mask(addr, prefix), prefix);
  }

  /** Whether {@code address} (an IP literal) lies in this range; false for anything else. */
  public boolean contains(String address) {
    byte[] addr;
    try {
      addr = literal(address, address);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return addr.length == network.length && Arrays.equals(mask(addr, prefix), network);
  }

  private static byte[] literal(String s, String whole) {
    if (s.isEmpty() || !LITERAL.matcher(s).matches()) {
      throw new IllegalArgumentException("'" + whole + "' is not an IP address range");
    }
    try {
      // Only hex digits, colons and dots reach here, so this parses a literal and never resolves.
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + whole + "' is not an IP address range");
    }
  }

  private static byte[] mask(byte[] addr, int prefix) {
    byte[] out = addr.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] &= (byte) (0xFF << (8 - keep));
    }
    return out;
  }

  @Override
  public String toString() {
    return text;
  }
}
