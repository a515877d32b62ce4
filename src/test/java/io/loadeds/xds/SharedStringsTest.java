package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Equal strings that many streams keep come back as one instance. */
class SharedStringsTest {
  @Test
  void equalStringsShareTheFirstInstance() {
    String first = new String("0123456789abcdef");
    String second = new String("0123456789abcdef");

    assertThat(SharedStrings.share(first)).isSameAs(first);
    assertThat(SharedStrings.share(second)).isSameAs(first);
  }

  @Test
  void aDifferentStringIsReturnedAsItIs() {
    String s = new String("not shared before");

    assertThat(SharedStrings.share(s)).isEqualTo("not shared before");
    assertThat(SharedStrings.share(null)).isNull();
  }
}
