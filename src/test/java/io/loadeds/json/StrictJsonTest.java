package io.loadeds.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictJsonTest {
  private static final String BODY =
      "{\"address\":\"10.0.0.1\",\"port\":80,\"metadata\":{\"k\":\"é\"}}";

  @Test
  void utf8JsonPassesAsTheSameText() {
    StrictJson.Checked c = StrictJson.check(BODY.getBytes(StandardCharsets.UTF_8));

    assertThat(c.ok()).isTrue();
    assertThat(c.text()).isEqualTo(BODY);
  }

  @Test
  void surrogatePairsPassWhetherRawOrEscaped() {
    String raw = "{\"k\":\"\uD83D\uDE00\"}";
    String escaped = "{\"\\ud83d\\ude00\":\"\\uD83D\\uDE00\"}";

    assertThat(StrictJson.check(raw.getBytes(StandardCharsets.UTF_8)).ok()).isTrue();
    assertThat(StrictJson.check(escaped.getBytes(StandardCharsets.UTF_8)).ok()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"k\":\"\\ud800\"}",
        "{\"k\":\"a\\udc00b\"}",
        "{\"k\":\"\\ud800\\ud800\\udc00\"}",
        "{\"\\udbff\":\"v\"}",
        "{\"k\":[\"ok\",{\"deep\":\"\\ud83d\"}]}",
        "{\"k\":\"\\ude00\\ud83d\"}"
      })
  void aLoneSurrogateFromAnEscapeIsRefused(String json) {
    StrictJson.Checked c = StrictJson.check(json.getBytes(StandardCharsets.UTF_8));

    assertThat(c.ok()).isFalse();
    assertThat(c.problem()).contains("unpaired UTF-16 surrogate");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "C0AF", // overlong '/'
        "E080AF", // overlong '/' in three bytes
        "EDA080", // U+D800 encoded as if it were a character (CESU-8 style)
        "EDBFBF", // U+DFFF likewise
        "F4908080", // U+110000, beyond Unicode
        "F8888080", // five-byte form
        "FF",
        "80",
        "C328",
        "E282" // truncated sequence at the end
      })
  void malformedUtf8IsRefusedWithItsPosition(String hex) {
    byte[] bad = hex(hex);
    byte[] prefix = "{\"k\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] body = concat(prefix, bad, "\"}".getBytes(StandardCharsets.UTF_8));

    StrictJson.Checked c = StrictJson.check(body);

    assertThat(c.ok()).as(hex).isFalse();
    assertThat(c.problem()).isEqualTo("body is not valid UTF-8 (at byte " + prefix.length + ")");
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"})
  void otherEncodingsAreRefusedWithOrWithoutAByteOrderMark(String charset) {
    byte[] plain = BODY.getBytes(Charset.forName(charset));
    byte[] bom = concat("\uFEFF".getBytes(Charset.forName(charset)), plain);

    assertThat(StrictJson.check(plain).problem()).contains("must be UTF-8");
    assertThat(StrictJson.check(bom).problem()).contains("must be UTF-8");
  }

  @Test
  void aUtf8ByteOrderMarkIsRefused() {
    byte[] body = concat(hex("EFBBBF"), BODY.getBytes(StandardCharsets.UTF_8));

    assertThat(StrictJson.check(body).problem()).contains("byte-order mark");
  }

  @Test
  void aNulByteIsRefusedAnywhereButAnEscapedOnePasses() {
    byte[] raw = "{\"k\":\"a\0b\"}".getBytes(StandardCharsets.UTF_8);

    assertThat(StrictJson.check(raw).problem()).contains("NUL byte (at byte 7)");
    assertThat(StrictJson.check("{\"k\":\"a\\u0000b\"}".getBytes(StandardCharsets.UTF_8)).ok())
        .isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  \n", "{} {}", "{}[]", "1 2", "{\"a\":1", "{'a':1}", "[1,]"})
  void anythingButOneStrictJsonValueIsRefused(String json) {
    StrictJson.Checked c = StrictJson.check(json.getBytes(StandardCharsets.UTF_8));

    assertThat(c.ok()).as(json).isFalse();
    assertThat(c.problem()).startsWith("body ");
  }

  @Test
  void nestingIsBoundedAtTheLimit() {
    String ok = "[".repeat(StrictJson.MAX_DEPTH) + "]".repeat(StrictJson.MAX_DEPTH);
    String deep = "[".repeat(StrictJson.MAX_DEPTH + 1) + "]".repeat(StrictJson.MAX_DEPTH + 1);

    assertThat(StrictJson.problemIn(ok)).isEmpty();
    assertThat(StrictJson.problemIn(deep)).hasValue("body is JSON nested deeper than 100 levels");
  }

  private static byte[] hex(String hex) {
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
