package io.loadeds.deploy;

import static org.assertj.core.api.Assertions.assertThat;

/** An IPv4 CIDR block such as 172.28.0.0/16. */
record Cidr(long network, int prefix) {

  static Cidr parse(String cidr) {
    String[] parts = cidr.split("/");
    assertThat(parts).as("CIDR %s", cidr).hasSize(2);
    int prefix = Integer.parseInt(parts[1]);
    long mask = mask(prefix);
    return new Cidr(ipv4(parts[0]) & mask, prefix);
  }

  boolean contains(String address) {
    return (ipv4(address) & mask(prefix)) == network;
  }

  String first() {
    return format(network);
  }

  /** Docker's default gateway: the first host address. */
  String gateway() {
    return format(network + 1);
  }

  String last() {
    return format(network | (~mask(prefix) & 0xFFFFFFFFL));
  }

  private static long mask(int prefix) {
    return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
  }

  static long ipv4(String address) {
    assertThat(address).as("an IPv4 literal").matches("(\\d{1,3}\\.){3}\\d{1,3}");
    long value = 0;
    for (String octet : address.split("\\.")) {
      int n = Integer.parseInt(octet);
      assertThat(n).as("octet of %s", address).isBetween(0, 255);
      value = (value << 8) | n;
    }
    return value;
  }

  private static String format(long value) {
    return ((value >> 24) & 0xFF)
        + "."
        + ((value >> 16) & 0xFF)
        + "."
        + ((value >> 8) & 0xFF)
        + "."
        + (value & 0xFF);
  }

  @Override
  public String toString() {
    return format(network) + "/" + prefix;
  }
}
