package io.loadeds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
  @TempDir Path tmp;

  @Test
  void identifiesGlobalAndClusterTokensFromAJsonFile() throws Exception {
    Path file =
        Files.writeString(
            tmp.resolve("t.json"),
            "{\"global\":\"g-0123456789abcdef\",\"clusters\":{\"shop\":\"s-0123456789abcdef\"}}");

    Tokens tokens = Tokens.load("", file.toString());

    assertThat(tokens.enabled()).isTrue();
    assertThat(tokens.identify("g-0123456789abcdef")).isEqualTo(Identity.GLOBAL);
    assertThat(tokens.identify("s-0123456789abcdef").toString()).isEqualTo("cluster:shop");
    assertThat(tokens.identify("s-0123456789abcdef").grants("shop")).isTrue();
    assertThat(tokens.identify("s-0123456789abcdef").grants("cart")).isFalse();
    assertThat(tokens.identify("s-0123456789abcdeX")).isEqualTo(Identity.NONE);
    assertThat(tokens.identify("")).isEqualTo(Identity.NONE);
    assertThat(tokens.toString()).doesNotContain("0123456789");
  }

  @Test
  void shortTokensAndUnknownKeysAreRefusedWithoutQuotingThem() throws Exception {
    assertThatThrownBy(() -> Tokens.load("short", ""))
        .hasMessageContaining("shorter")
        .hasMessageNotContaining("short\"");
    Path file = Files.writeString(tmp.resolve("t.yaml"), "globel: abcdefghijklmnopqrstuvwxyz\n");
    assertThatThrownBy(() -> Tokens.load("", file.toString()))
        .hasMessageContaining("globel")
        .hasMessageNotContaining("abcdefghijklmnop");
  }

  @Test
  void nodeIdPatterns() {
    NodeIdPolicy policy = new NodeIdPolicy(List.of("envoy-1", "edge-*"));

    assertThat(policy.test("envoy-1")).isTrue();
    assertThat(policy.test("edge-eu-7")).isTrue();
    assertThat(policy.test("envoy-10")).isFalse();
    assertThat(policy.test("")).isFalse();
    assertThat(new NodeIdPolicy(List.of()).test("anyone")).isTrue();
    assertThat(AddressAllowList.of(Map.of()).allows("shop", "8.8.8.8")).isTrue();
  }
}
