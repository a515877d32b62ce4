package io.loadeds.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Client text in logs and error details: one line, no hidden characters, bounded length. */
class ClientTextTest {
  @Test
  void plainTextIsKeptAsItIs() {
    assertThat(ClientText.printable("envoy-eu-1.例え")).isEqualTo("envoy-eu-1.例え");
    assertThat(ClientText.printable("")).isEmpty();
    assertThat(ClientText.printable(null)).isEqualTo("null");
  }

  @Test
  void lineBreaksControlsAndHiddenCharactersAreEscaped() {
    assertThat(ClientText.printable("a\nb\rc\td\\e")).isEqualTo("a\\nb\\rc\\td\\\\e");
    assertThat(ClientText.printable("a\u0000b\u001bc\u2028d\u202ee\ud800"))
        .isEqualTo("a\\u0000b\\u001bc\\u2028d\\u202ee\\ud800");
  }

  @Test
  void longTextIsCutAndSaysHowMuchWasLeftOut() {
    String cut = ClientText.printable("y".repeat(10_000));

    assertThat(cut).startsWith("y".repeat(ClientText.MAX_CHARS)).endsWith("(9800 more characters)");
    assertThat(cut.length()).isLessThan(ClientText.MAX_CHARS + 40);
  }

  @Test
  void aSurrogatePairIsNeverSplitAtTheCut() {
    String cut = ClientText.printable("y" + "😀".repeat(10), 4);

    assertThat(cut).startsWith("y😀😀...(").doesNotContain("\ud83d.");
  }
}
