package io.loadeds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrRangeTest {
  @Test
  void ipv4Ranges() {
    CidrRange r = CidrRange.parse("10.1.0.0/16");

    assertThat(r.contains("10.1.255.254")).isTrue();
    assertThat(r.contains("10.2.0.1")).isFalse();
    assertThat(CidrRange.parse("0.0.0.0/0").contains("8.8.8.8")).isTrue();
    assertThat(CidrRange.parse("192.168.1.7").contains("192.168.1.7")).isTrue();
    assertThat(CidrRange.parse("192.168.1.7").contains("192.168.1.8")).isFalse();
    assertThat(CidrRange.parse("172.16.0.0/12").contains("172.31.1.1")).isTrue();
    assertThat(CidrRange.parse("172.16.0.0/12").contains("172.32.0.1")).isFalse();
  }

  @Test
  void ipv6RangesAndMappedAddresses() {
    CidrRange r = CidrRange.parse("2001:db8::/32");

    assertThat(r.contains("2001:DB8:0:0:0:0:0:7")).isTrue();
    assertThat(r.contains("2001:db9::1")).isFalse();
    assertThat(r.contains("10.0.0.1")).as("other family").isFalse();
    assertThat(CidrRange.parse("10.0.0.0/8").contains("::ffff:10.0.0.1")).isTrue();
    assertThat(CidrRange.parse("fd00::/8").contains("fdff::1")).isTrue();
  }

  @Test
  void badRangesAndHostNamesAreRefusedWithoutALookup() {
    assertThatThrownBy(() -> CidrRange.parse("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> CidrRange.parse("example.com/8"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CidrRange.parse("10.0.0.0/x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(CidrRange.parse("10.0.0.0/8").contains("localhost")).isFalse();
  }
}
